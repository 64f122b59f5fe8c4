import { z } from "zod";
import { backendHealthStateSchema } from "../dataplane/metrics";

/**
 * The hub → browser contract (Socket.IO namespace `/live`): live numbers for the dashboard, one
 * point a second, merged across every agent (counts added, latency histograms merged before the
 * percentiles are read). Browsers authenticate with their session cookie.
 */
export const LIVE_NAMESPACE = "/live";

/** One second (or one rollup bucket) of a pool's, a version's or a backend's traffic. */
export const livePointSchema = z.strictObject({
  /** Unix ms at the start of the second. */
  at: z.number(),
  requests: z.int().min(0),
  rps: z.number().min(0),
  s1xx: z.int().min(0),
  s2xx: z.int().min(0),
  s3xx: z.int().min(0),
  s4xx: z.int().min(0),
  s5xx: z.int().min(0),
  /** Requests that got no status (client gone, cut mid-answer). */
  errors: z.int().min(0),
  /** Share of requests answered 5xx or not at all, 0..1. */
  errorRate: z.number().min(0).max(1),
  retries: z.int().min(0),
  active: z.int().min(0),
  p50Ms: z.number().nullable(),
  p95Ms: z.number().nullable(),
  p99Ms: z.number().nullable(),
});
export type LivePoint = z.output<typeof livePointSchema>;

export const liveBackendSchema = z.strictObject({
  id: z.string(),
  version: z.string(),
  /** The worst state any agent reports, and that agent's reason; `unknown` when no agent reports it. */
  health: z.union([backendHealthStateSchema, z.literal("unknown")]),
  reason: z.string(),
  /** Agents reporting this backend. */
  agents: z.int().min(0),
  point: livePointSchema,
});
export type LiveBackend = z.output<typeof liveBackendSchema>;

/** Every second, to browsers watching `pool`. */
export const poolTickSchema = z.strictObject({
  pool: z.string(),
  total: livePointSchema,
  versions: z.array(z.strictObject({ version: z.string(), point: livePointSchema })),
  backends: z.array(liveBackendSchema),
});
export type PoolTick = z.output<typeof poolTickSchema>;

/** On watch: the last minutes of per-second points the hub still holds, oldest first. */
export const poolHistorySchema = z.strictObject({
  pool: z.string(),
  ticks: z.array(poolTickSchema),
});
export type PoolHistory = z.output<typeof poolHistorySchema>;

export const overviewPoolSchema = z.strictObject({
  name: z.string(),
  healthy: z.int().min(0),
  total: z.int().min(0),
  point: livePointSchema,
});

/** Every second, to every browser. */
export const overviewTickSchema = z.strictObject({
  at: z.number(),
  pools: z.array(overviewPoolSchema),
  agents: z.strictObject({
    online: z.int().min(0),
    total: z.int().min(0),
    /** Online agents that acked the latest config version. */
    onLatest: z.int().min(0),
    latestVersion: z.int().min(0).nullable(),
  }),
});
export type OverviewTick = z.output<typeof overviewTickSchema>;

/** A backend's health changed on one agent. */
export const liveHealthEventSchema = z.strictObject({
  pool: z.string(),
  backend: z.string(),
  agent: z.string(),
  from: backendHealthStateSchema,
  to: backendHealthStateSchema,
  reason: z.string(),
  at: z.number(),
});
export type LiveHealthEvent = z.output<typeof liveHealthEventSchema>;

/** Something the dashboard shows changed: refetch it (the payload says what, not the new rows). */
export const invalidateSchema = z.strictObject({
  scope: z.enum(["config", "agents", "users", "tokens", "rollouts", "scaling"]),
  /** For scope config: the new version's number. */
  configVersion: z.int().optional(),
});
export type Invalidate = z.output<typeof invalidateSchema>;

export const watchSchema = z.strictObject({ pool: z.string().min(1).max(63) });
export type Watch = z.output<typeof watchSchema>;

export interface HubToBrowserEvents {
  overview: (payload: OverviewTick) => void;
  "pool:tick": (payload: PoolTick) => void;
  "pool:history": (payload: PoolHistory) => void;
  health: (payload: LiveHealthEvent) => void;
  invalidate: (payload: Invalidate) => void;
}

export interface BrowserToHubEvents {
  "pool:watch": (payload: Watch) => void;
  "pool:unwatch": (payload: Watch) => void;
}
