-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateEnum
CREATE TYPE "Role" AS ENUM ('admin', 'operator', 'viewer');

-- CreateEnum
CREATE TYPE "ListenerProtocol" AS ENUM ('http', 'tcp');

-- CreateEnum
CREATE TYPE "Algorithm" AS ENUM ('round_robin', 'weighted_round_robin', 'least_connections', 'p2c_least_request', 'peak_ewma', 'random', 'ip_hash', 'ring_hash', 'maglev');

-- CreateEnum
CREATE TYPE "BackendState" AS ENUM ('active', 'draining', 'disabled');

-- CreateEnum
CREATE TYPE "BackendOrigin" AS ENUM ('manual', 'autoscaler', 'discovery');

-- CreateEnum
CREATE TYPE "RolloutStrategy" AS ENUM ('canary', 'blue_green');

-- CreateEnum
CREATE TYPE "RolloutStatus" AS ENUM ('pending', 'progressing', 'paused', 'succeeded', 'aborted', 'degraded', 'rolled_back');

-- CreateEnum
CREATE TYPE "AnalysisVerdict" AS ENUM ('successful', 'failed', 'inconclusive');

-- CreateEnum
CREATE TYPE "ActuatorKind" AS ENUM ('process', 'kubernetes', 'webhook');

-- CreateEnum
CREATE TYPE "MissingMetricBehavior" AS ENUM ('hold', 'scale_to_min', 'scale_to_max', 'fallback_count');

-- CreateEnum
CREATE TYPE "ActorType" AS ENUM ('user', 'api_token', 'agent', 'system');

-- CreateTable
CREATE TABLE "users" (
    "id" TEXT NOT NULL,
    "email" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "passwordHash" TEXT NOT NULL,
    "role" "Role" NOT NULL DEFAULT 'viewer',
    "disabled" BOOLEAN NOT NULL DEFAULT false,
    "lastLoginAt" TIMESTAMP(3),
    "version" INTEGER NOT NULL DEFAULT 1,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "users_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "sessions" (
    "id" TEXT NOT NULL,
    "tokenHash" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "userAgent" TEXT,
    "ip" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastSeenAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expiresAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "sessions_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "api_tokens" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "prefix" TEXT NOT NULL,
    "tokenHash" TEXT NOT NULL,
    "role" "Role" NOT NULL,
    "userId" TEXT NOT NULL,
    "lastUsedAt" TIMESTAMP(3),
    "expiresAt" TIMESTAMP(3),
    "revokedAt" TIMESTAMP(3),
    "version" INTEGER NOT NULL DEFAULT 1,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "api_tokens_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "agent_enrollment_tokens" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "prefix" TEXT NOT NULL,
    "tokenHash" TEXT NOT NULL,
    "createdById" TEXT,
    "lastUsedAt" TIMESTAMP(3),
    "expiresAt" TIMESTAMP(3),
    "revokedAt" TIMESTAMP(3),
    "version" INTEGER NOT NULL DEFAULT 1,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "agent_enrollment_tokens_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "listeners" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "protocol" "ListenerProtocol" NOT NULL DEFAULT 'http',
    "bindAddress" TEXT NOT NULL DEFAULT '0.0.0.0',
    "port" INTEGER NOT NULL,
    "tls" JSONB,
    "agentSelector" JSONB NOT NULL DEFAULT '{}',
    "settings" JSONB NOT NULL DEFAULT '{}',
    "defaultPoolId" TEXT,
    "version" INTEGER NOT NULL DEFAULT 1,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "listeners_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "routes" (
    "id" TEXT NOT NULL,
    "listenerId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "priority" INTEGER NOT NULL DEFAULT 100,
    "hosts" TEXT[],
    "pathPrefix" TEXT NOT NULL DEFAULT '/',
    "headers" JSONB NOT NULL DEFAULT '[]',
    "poolId" TEXT NOT NULL,
    "requestHeaders" JSONB NOT NULL DEFAULT '{}',
    "responseHeaders" JSONB NOT NULL DEFAULT '{}',
    "rateLimit" JSONB,
    "version" INTEGER NOT NULL DEFAULT 1,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "routes_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "pools" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT NOT NULL DEFAULT '',
    "algorithm" "Algorithm" NOT NULL DEFAULT 'weighted_round_robin',
    "hashOn" JSONB,
    "healthCheck" JSONB NOT NULL DEFAULT '{}',
    "outlier" JSONB NOT NULL DEFAULT '{}',
    "retry" JSONB NOT NULL DEFAULT '{}',
    "timeouts" JSONB NOT NULL DEFAULT '{}',
    "circuitBreaker" JSONB NOT NULL DEFAULT '{}',
    "stickiness" JSONB NOT NULL DEFAULT '{}',
    "trafficSplit" JSONB,
    "slowStartMs" INTEGER NOT NULL DEFAULT 0,
    "panicThresholdPercent" INTEGER NOT NULL DEFAULT 50,
    "version" INTEGER NOT NULL DEFAULT 1,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "pools_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "backends" (
    "id" TEXT NOT NULL,
    "poolId" TEXT NOT NULL,
    "host" TEXT NOT NULL,
    "port" INTEGER NOT NULL,
    "weight" INTEGER NOT NULL DEFAULT 100,
    "versionLabel" TEXT NOT NULL DEFAULT 'v1',
    "state" "BackendState" NOT NULL DEFAULT 'active',
    "origin" "BackendOrigin" NOT NULL DEFAULT 'manual',
    "metadata" JSONB NOT NULL DEFAULT '{}',
    "version" INTEGER NOT NULL DEFAULT 1,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "backends_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "config_versions" (
    "number" INTEGER NOT NULL,
    "snapshot" JSONB NOT NULL,
    "hash" TEXT NOT NULL,
    "summary" TEXT NOT NULL DEFAULT '',
    "createdById" TEXT,
    "revertedFrom" INTEGER,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "config_versions_pkey" PRIMARY KEY ("number")
);

-- CreateTable
CREATE TABLE "agents" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "labels" JSONB NOT NULL DEFAULT '{}',
    "enrollmentTokenId" TEXT,
    "softwareVersion" TEXT,
    "protocolVersion" INTEGER,
    "address" TEXT,
    "connected" BOOLEAN NOT NULL DEFAULT false,
    "appliedConfigVersion" INTEGER,
    "rejectedConfigVersion" INTEGER,
    "lastError" TEXT,
    "lastErrorAt" TIMESTAMP(3),
    "firstSeenAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastSeenAt" TIMESTAMP(3),
    "version" INTEGER NOT NULL DEFAULT 1,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "agents_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "rollouts" (
    "id" TEXT NOT NULL,
    "poolId" TEXT NOT NULL,
    "strategy" "RolloutStrategy" NOT NULL,
    "stableVersion" TEXT NOT NULL,
    "newVersion" TEXT NOT NULL,
    "steps" JSONB NOT NULL,
    "analysis" JSONB NOT NULL DEFAULT '{}',
    "match" JSONB,
    "sticky" BOOLEAN NOT NULL DEFAULT true,
    "status" "RolloutStatus" NOT NULL DEFAULT 'pending',
    "currentStep" INTEGER NOT NULL DEFAULT 0,
    "currentWeight" INTEGER NOT NULL DEFAULT 0,
    "stepStartedAt" TIMESTAMP(3),
    "message" TEXT,
    "failedChecks" INTEGER NOT NULL DEFAULT 0,
    "createdById" TEXT,
    "startedAt" TIMESTAMP(3),
    "finishedAt" TIMESTAMP(3),
    "version" INTEGER NOT NULL DEFAULT 1,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "rollouts_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "rollout_analysis_runs" (
    "id" TEXT NOT NULL,
    "rolloutId" TEXT NOT NULL,
    "step" INTEGER NOT NULL,
    "verdict" "AnalysisVerdict" NOT NULL,
    "metrics" JSONB NOT NULL,
    "reason" TEXT NOT NULL DEFAULT '',
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "rollout_analysis_runs_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "scaling_rules" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "poolId" TEXT NOT NULL,
    "versionLabel" TEXT,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "metrics" JSONB NOT NULL,
    "minBackends" INTEGER NOT NULL DEFAULT 1,
    "maxBackends" INTEGER NOT NULL DEFAULT 10,
    "tolerance" DOUBLE PRECISION NOT NULL DEFAULT 0.1,
    "scaleUpWindowSec" INTEGER NOT NULL DEFAULT 0,
    "scaleDownWindowSec" INTEGER NOT NULL DEFAULT 300,
    "policies" JSONB NOT NULL DEFAULT '{}',
    "missingMetrics" "MissingMetricBehavior" NOT NULL DEFAULT 'hold',
    "fallbackBackends" INTEGER,
    "actuator" "ActuatorKind" NOT NULL,
    "actuatorConfig" JSONB NOT NULL,
    "lastScaleAt" TIMESTAMP(3),
    "version" INTEGER NOT NULL DEFAULT 1,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "scaling_rules_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "scaling_decisions" (
    "id" TEXT NOT NULL,
    "ruleId" TEXT NOT NULL,
    "inputs" JSONB NOT NULL,
    "currentBackends" INTEGER NOT NULL,
    "recommended" INTEGER NOT NULL,
    "desiredBackends" INTEGER NOT NULL,
    "action" TEXT NOT NULL,
    "reason" TEXT NOT NULL DEFAULT '',
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "scaling_decisions_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "audit_events" (
    "id" BIGSERIAL NOT NULL,
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "actorType" "ActorType" NOT NULL,
    "actorId" TEXT,
    "actorName" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "targetType" TEXT NOT NULL,
    "targetId" TEXT,
    "before" JSONB,
    "after" JSONB,
    "configVersion" INTEGER,
    "ip" TEXT,
    "requestId" TEXT,

    CONSTRAINT "audit_events_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "metric_rollups" (
    "id" BIGSERIAL NOT NULL,
    "poolId" TEXT NOT NULL,
    "backendId" TEXT NOT NULL DEFAULT '',
    "versionLabel" TEXT NOT NULL DEFAULT '',
    "bucketStart" TIMESTAMP(3) NOT NULL,
    "resolutionSec" INTEGER NOT NULL,
    "requests" INTEGER NOT NULL DEFAULT 0,
    "status1xx" INTEGER NOT NULL DEFAULT 0,
    "status2xx" INTEGER NOT NULL DEFAULT 0,
    "status3xx" INTEGER NOT NULL DEFAULT 0,
    "status4xx" INTEGER NOT NULL DEFAULT 0,
    "status5xx" INTEGER NOT NULL DEFAULT 0,
    "retries" INTEGER NOT NULL DEFAULT 0,
    "ejections" INTEGER NOT NULL DEFAULT 0,
    "activeConnections" INTEGER NOT NULL DEFAULT 0,
    "latency" JSONB NOT NULL,
    "p50Ms" DOUBLE PRECISION,
    "p95Ms" DOUBLE PRECISION,
    "p99Ms" DOUBLE PRECISION,

    CONSTRAINT "metric_rollups_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "health_events" (
    "id" BIGSERIAL NOT NULL,
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "poolId" TEXT NOT NULL,
    "backendId" TEXT NOT NULL,
    "agentId" TEXT NOT NULL,
    "healthy" BOOLEAN NOT NULL,
    "reason" TEXT NOT NULL,

    CONSTRAINT "health_events_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "users_email_key" ON "users"("email");

-- CreateIndex
CREATE UNIQUE INDEX "sessions_tokenHash_key" ON "sessions"("tokenHash");

-- CreateIndex
CREATE INDEX "sessions_userId_idx" ON "sessions"("userId");

-- CreateIndex
CREATE INDEX "sessions_expiresAt_idx" ON "sessions"("expiresAt");

-- CreateIndex
CREATE UNIQUE INDEX "api_tokens_tokenHash_key" ON "api_tokens"("tokenHash");

-- CreateIndex
CREATE INDEX "api_tokens_userId_idx" ON "api_tokens"("userId");

-- CreateIndex
CREATE UNIQUE INDEX "agent_enrollment_tokens_tokenHash_key" ON "agent_enrollment_tokens"("tokenHash");

-- CreateIndex
CREATE UNIQUE INDEX "listeners_name_key" ON "listeners"("name");

-- CreateIndex
CREATE UNIQUE INDEX "listeners_bindAddress_port_key" ON "listeners"("bindAddress", "port");

-- CreateIndex
CREATE INDEX "routes_poolId_idx" ON "routes"("poolId");

-- CreateIndex
CREATE UNIQUE INDEX "routes_listenerId_name_key" ON "routes"("listenerId", "name");

-- CreateIndex
CREATE UNIQUE INDEX "pools_name_key" ON "pools"("name");

-- CreateIndex
CREATE INDEX "backends_poolId_versionLabel_idx" ON "backends"("poolId", "versionLabel");

-- CreateIndex
CREATE UNIQUE INDEX "backends_poolId_host_port_key" ON "backends"("poolId", "host", "port");

-- CreateIndex
CREATE INDEX "config_versions_createdAt_idx" ON "config_versions"("createdAt");

-- CreateIndex
CREATE UNIQUE INDEX "agents_name_key" ON "agents"("name");

-- CreateIndex
CREATE INDEX "rollouts_poolId_status_idx" ON "rollouts"("poolId", "status");

-- CreateIndex
CREATE INDEX "rollout_analysis_runs_rolloutId_createdAt_idx" ON "rollout_analysis_runs"("rolloutId", "createdAt");

-- CreateIndex
CREATE UNIQUE INDEX "scaling_rules_poolId_name_key" ON "scaling_rules"("poolId", "name");

-- CreateIndex
CREATE INDEX "scaling_decisions_ruleId_createdAt_idx" ON "scaling_decisions"("ruleId", "createdAt");

-- CreateIndex
CREATE INDEX "audit_events_at_idx" ON "audit_events"("at");

-- CreateIndex
CREATE INDEX "audit_events_actorId_at_idx" ON "audit_events"("actorId", "at");

-- CreateIndex
CREATE INDEX "audit_events_targetType_targetId_at_idx" ON "audit_events"("targetType", "targetId", "at");

-- CreateIndex
CREATE INDEX "metric_rollups_poolId_resolutionSec_bucketStart_idx" ON "metric_rollups"("poolId", "resolutionSec", "bucketStart");

-- CreateIndex
CREATE INDEX "metric_rollups_bucketStart_idx" ON "metric_rollups"("bucketStart");

-- CreateIndex
CREATE UNIQUE INDEX "metric_rollups_resolutionSec_poolId_backendId_bucketStart_key" ON "metric_rollups"("resolutionSec", "poolId", "backendId", "bucketStart");

-- CreateIndex
CREATE INDEX "health_events_poolId_at_idx" ON "health_events"("poolId", "at");

-- CreateIndex
CREATE INDEX "health_events_backendId_at_idx" ON "health_events"("backendId", "at");

-- AddForeignKey
ALTER TABLE "sessions" ADD CONSTRAINT "sessions_userId_fkey" FOREIGN KEY ("userId") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "api_tokens" ADD CONSTRAINT "api_tokens_userId_fkey" FOREIGN KEY ("userId") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "agent_enrollment_tokens" ADD CONSTRAINT "agent_enrollment_tokens_createdById_fkey" FOREIGN KEY ("createdById") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "listeners" ADD CONSTRAINT "listeners_defaultPoolId_fkey" FOREIGN KEY ("defaultPoolId") REFERENCES "pools"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "routes" ADD CONSTRAINT "routes_listenerId_fkey" FOREIGN KEY ("listenerId") REFERENCES "listeners"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "routes" ADD CONSTRAINT "routes_poolId_fkey" FOREIGN KEY ("poolId") REFERENCES "pools"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "backends" ADD CONSTRAINT "backends_poolId_fkey" FOREIGN KEY ("poolId") REFERENCES "pools"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "config_versions" ADD CONSTRAINT "config_versions_createdById_fkey" FOREIGN KEY ("createdById") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "agents" ADD CONSTRAINT "agents_enrollmentTokenId_fkey" FOREIGN KEY ("enrollmentTokenId") REFERENCES "agent_enrollment_tokens"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "rollouts" ADD CONSTRAINT "rollouts_poolId_fkey" FOREIGN KEY ("poolId") REFERENCES "pools"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "rollouts" ADD CONSTRAINT "rollouts_createdById_fkey" FOREIGN KEY ("createdById") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "rollout_analysis_runs" ADD CONSTRAINT "rollout_analysis_runs_rolloutId_fkey" FOREIGN KEY ("rolloutId") REFERENCES "rollouts"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "scaling_rules" ADD CONSTRAINT "scaling_rules_poolId_fkey" FOREIGN KEY ("poolId") REFERENCES "pools"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "scaling_decisions" ADD CONSTRAINT "scaling_decisions_ruleId_fkey" FOREIGN KEY ("ruleId") REFERENCES "scaling_rules"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "metric_rollups" ADD CONSTRAINT "metric_rollups_poolId_fkey" FOREIGN KEY ("poolId") REFERENCES "pools"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "health_events" ADD CONSTRAINT "health_events_poolId_fkey" FOREIGN KEY ("poolId") REFERENCES "pools"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "health_events" ADD CONSTRAINT "health_events_agentId_fkey" FOREIGN KEY ("agentId") REFERENCES "agents"("id") ON DELETE CASCADE ON UPDATE CASCADE;
