import { z } from "zod";
import { idSchema, rowVersionParamSchema, rowVersionSchema } from "./common";
import { ACTUATOR_KINDS, SCALING_METRIC_TYPES } from "./scaling";

/**
 * What the scaling API answers and the inputs of its procedures other than create and update
 * (scaling.ts). Answers never carry an actuator's secrets: the actuator goes through
 * `publicScalingActuator` and is typed loosely here (its fields are scaling.ts's).
 */

export const SCALING_ACTIONS = ["scale_up", "scale_down", "none", "hold", "error"] as const;
export const scalingActionSchema = z.enum(SCALING_ACTIONS);

/** Where a rule stands, as its controller last saw it. */
export const scalingStatusSchema = z.object({
  /** Active backends the rule counts now (its scope: the pool, or the pool's backends of its version). */
  current: z.number(),
  /** Of those, the backends it started or discovered itself (the others were added by hand). */
  managed: z.number(),
  /** Its backends being drained before they are removed. */
  draining: z.number(),
  /** The count the last evaluation wanted; null before the first one. */
  desired: z.number().nullable(),
  lastDecisionAt: z.string().nullable(),
  lastScaleAt: z.string().nullable(),
  lastError: z.object({ at: z.string(), code: z.string(), message: z.string() }).nullable(),
});
export type ScalingStatus = z.infer<typeof scalingStatusSchema>;

export const scalingRuleDtoSchema = z.object({
  id: z.string(),
  name: z.string(),
  poolId: z.string(),
  poolName: z.string(),
  versionLabel: z.string().nullable(),
  enabled: z.boolean(),
  metrics: z.array(z.object({ type: z.enum(SCALING_METRIC_TYPES), target: z.number() })),
  minBackends: z.number(),
  maxBackends: z.number(),
  tolerance: z.number(),
  scaleUpWindowSec: z.number(),
  scaleDownWindowSec: z.number(),
  policies: z.object({
    up: z.array(z.object({ type: z.string(), value: z.number(), periodSec: z.number() })),
    down: z.array(z.object({ type: z.string(), value: z.number(), periodSec: z.number() })),
    selectPolicy: z.object({ up: z.string(), down: z.string() }),
  }),
  missingMetrics: z.string(),
  fallbackBackends: z.number().nullable(),
  /** The actuator's settings without its secrets (`secretSet`, `tokenSecretSet` say whether one is stored). */
  actuator: z.looseObject({ kind: z.enum(ACTUATOR_KINDS) }),
  status: scalingStatusSchema,
  version: z.number(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type ScalingRuleDto = z.infer<typeof scalingRuleDtoSchema>;

/** One evaluation of a rule, as the decision log keeps it. */
export const scalingDecisionDtoSchema = z.object({
  id: z.string(),
  ruleId: z.string(),
  at: z.string(),
  action: z.string(),
  currentBackends: z.number(),
  /** The metrics' recommendation before windows, policies and bounds (the current count on hold). */
  recommended: z.number(),
  desiredBackends: z.number(),
  reason: z.string(),
  /**
   * What the evaluation saw: `metrics` (per metric: value, target, ratio, its recommendation),
   * `ready`, `windowSec`, `limitedBy`, `stabilized`, per-version split during a rollout, and the
   * actuator's outcome.
   */
  inputs: z.unknown(),
});
export type ScalingDecisionDto = z.infer<typeof scalingDecisionDtoSchema>;

/** `scaling.get`: the rule and its latest decisions, newest first. */
export const scalingRuleDetailDtoSchema = scalingRuleDtoSchema.extend({
  decisions: z.array(scalingDecisionDtoSchema),
});
export type ScalingRuleDetailDto = z.infer<typeof scalingRuleDetailDtoSchema>;

export const listScalingRulesInputSchema = z.strictObject({
  /** A pool's id or name. */
  poolId: idSchema.optional(),
});

export const scalingRuleRefInputSchema = z.strictObject({ id: idSchema });

export const deleteScalingRuleInputSchema = z.strictObject({ id: idSchema, version: rowVersionParamSchema });

/** enable / disable; `version`, when sent, must be the current one. */
export const toggleScalingRuleInputSchema = z.strictObject({ id: idSchema, version: rowVersionSchema.optional() });

export const scalingDecisionsInputSchema = z.strictObject({
  id: idSchema,
  /** ISO 8601: only decisions at or after this time. */
  from: z.iso.datetime({ offset: true, error: "must be an ISO 8601 date-time" }).optional(),
  /** Newest first; at most this many. */
  limit: z.coerce
    .number({ error: "must be a number" })
    .int("must be a whole number")
    .min(1, "must be 1 to 1000")
    .max(1000, "must be 1 to 1000")
    .default(100),
});

// ---------------------------------------------------------------------------------------------
// The demo's traffic generator (apps/demo/src/traffic.ts), reached through the control plane.

export const demoTrafficSchema = z.object({
  /** Requests per second it sends. */
  rate: z.number(),
  sent: z.number(),
  inFlight: z.number(),
  /** Sends skipped because too many requests were in flight. */
  skipped: z.number(),
  /** Answers by status code, and failures by error code (ECONNREFUSED...). */
  byStatus: z.record(z.string(), z.number()),
  /** Where the control plane reached it. */
  control: z.string(),
});
export type DemoTraffic = z.infer<typeof demoTrafficSchema>;

export const demoTrafficInputSchema = z.strictObject({});

export const setDemoTrafficInputSchema = z.strictObject({
  rate: z
    .number({ error: "must be a number of requests per second" })
    .min(0, "must be 0 to 100000 requests per second")
    .max(100_000, "must be 0 to 100000 requests per second"),
});
