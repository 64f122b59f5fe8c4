import {
  circuitBreakerSchema,
  hashOnSchema,
  healthCheckSchema,
  outlierSchema,
  retrySchema,
  stickinessSchema,
  timeoutsSchema,
  trafficSplitSchema,
} from "@weir/config";
import type { BackendDto, PoolDto } from "@weir/config/api";
import type { Backend, Pool } from "@weir/db";

export function toBackendDto(backend: Backend): BackendDto {
  return {
    id: backend.id,
    poolId: backend.poolId,
    host: backend.host,
    port: backend.port,
    weight: backend.weight,
    versionLabel: backend.versionLabel,
    state: backend.state,
    origin: backend.origin,
    version: backend.version,
    updatedAt: backend.updatedAt.toISOString(),
  };
}

/** Settings come back complete: stored JSON is read through the engine's schemas (defaults filled). */
export function toPoolDto(pool: Pool & { backends: Backend[] }): PoolDto {
  return {
    id: pool.id,
    name: pool.name,
    description: pool.description,
    algorithm: pool.algorithm,
    hashOn: pool.hashOn ? hashOnSchema.parse(pool.hashOn) : null,
    healthCheck: healthCheckSchema.parse(pool.healthCheck),
    outlier: outlierSchema.parse(pool.outlier),
    retry: retrySchema.parse(pool.retry),
    timeouts: timeoutsSchema.parse(pool.timeouts),
    circuitBreaker: circuitBreakerSchema.parse(pool.circuitBreaker),
    stickiness: stickinessSchema.parse(pool.stickiness),
    trafficSplit: pool.trafficSplit ? trafficSplitSchema.parse(pool.trafficSplit) : null,
    slowStartMs: pool.slowStartMs,
    panicThresholdPercent: pool.panicThresholdPercent,
    backends: pool.backends.map(toBackendDto),
    version: pool.version,
    createdAt: pool.createdAt.toISOString(),
    updatedAt: pool.updatedAt.toISOString(),
  };
}

export const BACKENDS_IN_ORDER = { orderBy: [{ host: "asc" as const }, { port: "asc" as const }] };
