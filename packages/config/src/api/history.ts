import { z } from "zod";
import { idSchema, pageInputSchema, pageOf } from "./common";

const versionNumberSchema = z.coerce
  .number()
  .int("must be a whole number")
  .min(1, "must be at least 1")
  .max(2_000_000_000);

export const configVersionSummarySchema = z.object({
  number: z.number(),
  summary: z.string(),
  hash: z.string(),
  createdBy: z.string().nullable(),
  revertedFrom: z.number().nullable(),
  createdAt: z.string(),
});
export type ConfigVersionSummary = z.infer<typeof configVersionSummarySchema>;

export const listVersionsInputSchema = pageInputSchema;
export const versionPageSchema = pageOf(configVersionSummarySchema);

export const getVersionInputSchema = z.strictObject({ number: versionNumberSchema });
export const configVersionSchema = configVersionSummarySchema.extend({
  /** The data-plane config agents run at this version, and each listener's agent selector. */
  snapshot: z.object({
    engine: z.record(z.string(), z.unknown()),
    selectors: z.record(z.string(), z.record(z.string(), z.string())),
  }),
});

export const diffVersionsInputSchema = z.strictObject({ from: versionNumberSchema, to: versionNumberSchema });
export const configChangeSchema = z.object({
  /** Readable path: `pools[checkout].backends[10.0.0.7:8080].weight`. */
  path: z.string(),
  kind: z.enum(["added", "removed", "changed"]),
  before: z.unknown().optional(),
  after: z.unknown().optional(),
});
export type ConfigChange = z.infer<typeof configChangeSchema>;
export const versionDiffSchema = z.object({ from: z.number(), to: z.number(), changes: z.array(configChangeSchema) });

export const revertInputSchema = z.strictObject({
  number: versionNumberSchema,
  /** The latest version the caller saw; refused with CONFLICT when another change came since. */
  expectedLatest: versionNumberSchema.optional(),
});

export const auditEventSchema = z.object({
  id: z.string(),
  at: z.string(),
  actorType: z.enum(["user", "api_token", "agent", "system"]),
  actorName: z.string(),
  action: z.string(),
  targetType: z.string(),
  targetId: z.string().nullable(),
  before: z.unknown(),
  after: z.unknown(),
  configVersion: z.number().nullable(),
  ip: z.string().nullable(),
});
export type AuditEventDto = z.infer<typeof auditEventSchema>;

export const listAuditInputSchema = pageInputSchema.extend({
  /** Email of a user (their own and their tokens' actions). */
  actor: z.string().max(254).optional(),
  targetType: z.string().max(64).optional(),
  targetId: idSchema.optional(),
  /** Prefix of the action: "pool" matches pool.create, pool.update... */
  action: z
    .string()
    .max(64)
    .regex(/^[a-z_.]+$/, "must be an action like pool.update or a prefix like pool")
    .optional(),
  from: z.iso.datetime({ message: "must be an ISO 8601 date-time" }).optional(),
  to: z.iso.datetime({ message: "must be an ISO 8601 date-time" }).optional(),
});
export const auditPageSchema = pageOf(auditEventSchema);

/** Procedures `config.validate` can dry-run: every change to the data-plane config. */
export const validatableProcedures = [
  "listeners.create",
  "listeners.update",
  "listeners.delete",
  "routes.create",
  "routes.update",
  "routes.delete",
  "pools.create",
  "pools.update",
  "pools.delete",
  "backends.add",
  "backends.update",
  "backends.drain",
  "backends.enable",
  "backends.disable",
  "backends.remove",
  "versions.revert",
] as const;

export const validateInputSchema = z.strictObject({
  procedure: z.enum(validatableProcedures),
  input: z.record(z.string(), z.unknown()),
});

export const validateResultSchema = z.object({
  valid: z.boolean(),
  /** Why the change would be refused: the same code, message and field the real call would give. */
  error: z.object({ code: z.string(), message: z.string(), field: z.string().optional() }).nullable(),
  /** The config version number the change would create, and what would differ from the latest. */
  configVersion: z.number().nullable(),
  changes: z.array(configChangeSchema),
  /** The whole data-plane config after the change. */
  config: z.record(z.string(), z.unknown()).nullable(),
});

export const agentSchema = z.object({
  id: z.string(),
  name: z.string(),
  labels: z.record(z.string(), z.string()),
  softwareVersion: z.string().nullable(),
  protocolVersion: z.number().nullable(),
  address: z.string().nullable(),
  connected: z.boolean(),
  appliedConfigVersion: z.number().nullable(),
  /** Listeners of the applied version the agent could not bind (a partial apply); empty when all serve. */
  listenerFailures: z.array(z.object({ name: z.string(), reason: z.string(), servingOn: z.string().optional() })),
  rejectedConfigVersion: z.number().nullable(),
  lastError: z.string().nullable(),
  lastSeenAt: z.string().nullable(),
  firstSeenAt: z.string(),
});

export const metricsSeriesInputSchema = z.strictObject({
  poolId: idSchema,
  /** One backend's series; the pool's totals when left out. */
  backendId: idSchema.optional(),
  from: z.iso.datetime({ message: "must be an ISO 8601 date-time" }),
  to: z.iso.datetime({ message: "must be an ISO 8601 date-time" }),
  /** Seconds per point: 10 (raw rollups), 60, 300 or 3600. */
  resolution: z.coerce
    .number()
    .pipe(z.union([z.literal(10), z.literal(60), z.literal(300), z.literal(3600)]))
    .default(10),
});

export const healthEventsInputSchema = z.strictObject({
  poolId: idSchema,
  /** Only this backend's events. */
  backendId: idSchema.optional(),
  from: z.iso.datetime({ message: "must be an ISO 8601 date-time" }).optional(),
  to: z.iso.datetime({ message: "must be an ISO 8601 date-time" }).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(200),
});

/** A backend's health changing on one agent: the timeline on the pool page. */
export const healthEventSchema = z.object({
  at: z.string(),
  backendId: z.string(),
  agent: z.string(),
  healthy: z.boolean(),
  /** `<state>: <why>`, e.g. "unhealthy: failed 3 checks: connect ECONNREFUSED". */
  reason: z.string(),
});

export const metricsPointSchema = z.object({
  at: z.string(),
  requests: z.number(),
  status2xx: z.number(),
  status3xx: z.number(),
  status4xx: z.number(),
  status5xx: z.number(),
  retries: z.number(),
  p50Ms: z.number().nullable(),
  p95Ms: z.number().nullable(),
  p99Ms: z.number().nullable(),
});
