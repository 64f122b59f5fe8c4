export type { Actor } from "./auth/actor";
export { LoginLimiter } from "./auth/login-limiter";
export { type Context, type ContextDeps, createHttpContextFactory } from "./context";
export { DEFAULT_DEMO_TRAFFIC_CONTROL } from "./domain/demo/demo-traffic";
export { listPools, type PoolSummary } from "./domain/pools/list-pools";
export { DEMO_AGENT_TOKEN_NAME, ensureDemoAgentToken } from "./domain/seed/demo-agent-token";
export {
  DEMO_BACKENDS,
  DEMO_LISTENER,
  DEMO_LISTENER_PORT,
  DEMO_POOL,
  type SeedResult,
  seedFirstRun,
} from "./domain/seed/seed-first-run";
export { hashPassword, verifyPassword } from "./domain/users/password";
export { API_ERRORS, type ApiErrorCode } from "./errors";
export { createHealthHandler } from "./http/health";
export { createRestHandler, REST_PREFIX } from "./http/rest";
export { type AgentView, createHub, type Hub, type HubOptions } from "./hub/hub";
export { DEFAULT_RETENTION, type RetentionPolicy } from "./hub/rollup-store";
export type { HubLogger } from "./hub/types";
export { type RolloutController, startRolloutController } from "./rollouts/controller";
export { type AppRouter, appRouter } from "./router";
export { type ScalingController, type ScalingControllerOptions, startScalingController } from "./scaling/controller";
export { createCallerFactory } from "./trpc";
