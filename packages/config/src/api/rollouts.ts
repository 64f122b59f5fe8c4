import { z } from "zod";
import { trafficSplitSchema } from "../dataplane/schema";
import { durationMs, idSchema } from "./common";
import { versionLabelSchema } from "./pools";

/**
 * Progressive rollouts as an operator defines them (Argo Rollouts' `strategy.canary.steps` and
 * `strategy.blueGreen`, Flagger's analysis thresholds), shaped to the `Rollout` model's columns:
 * `steps` holds the canary steps or the blue-green settings, `analysis` the thresholds, `match` the
 * canary's tester match. A rollout drives its pool's data-plane `trafficSplit` (stableVersion,
 * canaryVersion, canaryPercent, override header/cookie, stickyOn), so every routing choice here is
 * one that split can express; `rolloutColumns` and `rolloutSpecFromColumns` convert to and from rows.
 */

export const rolloutStrategySchema = z.enum(["canary", "blue_green"]);
export type RolloutStrategy = z.output<typeof rolloutStrategySchema>;

/**
 * As the `RolloutStatus` enum in prisma/schema.prisma. `aborted` is an operator's abort,
 * `degraded` an automatic one (analysis failed `failureLimit` times); both put all traffic back on
 * the stable version and both may be retried. `rolled_back` is final.
 */
export const rolloutStatusSchema = z.enum([
  "pending",
  "progressing",
  "paused",
  "succeeded",
  "aborted",
  "degraded",
  "rolled_back",
]);
export type RolloutStatus = z.output<typeof rolloutStatusSchema>;

/** As the `AnalysisVerdict` enum: Argo's Successful / Failed / Inconclusive → continue / abort / pause. */
export const analysisVerdictSchema = z.enum(["successful", "failed", "inconclusive"]);
export type AnalysisVerdict = z.output<typeof analysisVerdictSchema>;

export const MAX_CANARY_STEPS = 64;
const SECOND = 1_000;
const DAY = 86_400_000;
const WEEK = 7 * DAY;

/**
 * An object with exactly one of the given keys, as Argo writes steps (`- setWeight: 20`,
 * `- pause: {}`). Declared as one strict object with every key optional plus a count check, not
 * as a union: a union of strict objects reports "Invalid input" for `{ pause: { durationMs: "x" } }`,
 * where this names `pause.durationMs`.
 */
function exactlyOneOf<const S extends Record<string, z.ZodType>>(shape: S, what: string) {
  const keys = Object.keys(shape);
  const list = `${keys.slice(0, -1).join(", ")} or ${keys[keys.length - 1]}`;
  return z
    .strictObject(shape)
    .partial()
    .superRefine((value, ctx) => {
      const present = keys.filter((k) => (value as Record<string, unknown>)[k] !== undefined);
      if (present.length !== 1) {
        ctx.addIssue({
          code: "custom",
          message:
            present.length === 0
              ? `${what} must have one of ${list}`
              : `${what} must have only one of ${list}, not ${present.join(" and ")}`,
        });
      }
    })
    .transform((value) => value as OneOf<{ [K in keyof S]: z.output<S[K]> }>);
}

type OneOf<T> = { [K in keyof T]: { [P in K]: T[K] } & { [P in Exclude<keyof T, K>]?: undefined } }[keyof T];

/**
 * Requests that always go to the new version (testers; blue-green preview). The data plane routes
 * a request whose override header (or cookie) *names a version label* to that version, so the
 * value testers send is the new version's label: `value` may be left out and, when given, must
 * equal `newVersion` (checked by the rollout schema). The names are validated by the data plane's
 * own `overrideHeader` / `overrideCookie` schemas, so a match that validates here always fits the split.
 */
const matchTarget = (name: z.ZodType<string>) =>
  z.strictObject({
    name,
    value: versionLabelSchema.optional(),
  });
export const rolloutMatchSchema = exactlyOneOf(
  {
    header: matchTarget(trafficSplitSchema.shape.overrideHeader.unwrap()),
    cookie: matchTarget(trafficSplitSchema.shape.overrideCookie.unwrap()),
  },
  "a match",
);
export type RolloutMatch = z.output<typeof rolloutMatchSchema>;

/**
 * One canary step, Argo's vocabulary: `{ setWeight: 0..100 }` sends that share of requests to the
 * new version; `{ pause: { durationMs } }` waits (no duration: until promoted); `{ analysis:
 * { windowMs } }` judges the new version over a window of traffic and continues only on success.
 * Weights are whole percents (the `currentWeight` column is an integer).
 */
export const canaryStepSchema = exactlyOneOf(
  {
    setWeight: z.int("must be a whole percent").min(0, "must be 0 to 100").max(100, "must be 0 to 100"),
    pause: z.strictObject({ durationMs: durationMs(SECOND, WEEK, "1 s to 7 days").optional() }),
    analysis: z.strictObject({ windowMs: durationMs(SECOND, DAY, "1 s to 24 h") }),
  },
  "a step",
);
export type CanaryStep = z.output<typeof canaryStepSchema>;

/**
 * The ordered steps. Rules: at least one setWeight; weights never decrease (sticky clients only
 * ever move from stable to new, and a decrease is what abort is for). The last weight may be below
 * 100: when the steps are done, promotion completes to 100%.
 */
export const canaryStepsSchema = z
  .array(canaryStepSchema)
  .min(1, "must have at least one step")
  .max(MAX_CANARY_STEPS, `must have at most ${MAX_CANARY_STEPS} steps`)
  .superRefine((steps, ctx) => {
    let previous: number | undefined;
    steps.forEach((step, i) => {
      if (step.setWeight === undefined) return;
      if (previous !== undefined && step.setWeight < previous) {
        ctx.addIssue({
          code: "custom",
          path: [i, "setWeight"],
          message: `must be at least ${previous} (the weight before it): weights never decrease; abort returns traffic to stable`,
        });
      }
      previous = step.setWeight;
    });
    if (previous === undefined) ctx.addIssue({ code: "custom", message: "must contain at least one setWeight step" });
  });

/**
 * Blue-green (Argo's `blueGreen`): the new version gets only `previewMatch` traffic until promoted;
 * promotion switches 100% at once; the old version stays ready for an instant switch-back for
 * `holdMs` (Argo's scaleDownDelaySeconds) before the rollout succeeds. With `autoPromoteAfterMs`,
 * promotion happens by itself that long after the preview went live, if analysis of the preview
 * traffic passes (Argo's autoPromotionSeconds gated by prePromotionAnalysis).
 */
export const blueGreenSchema = z.strictObject({
  previewMatch: rolloutMatchSchema,
  autoPromoteAfterMs: durationMs(SECOND, WEEK, "1 s to 7 days").optional(),
  holdMs: durationMs(0, WEEK, "0 to 7 days").default(300_000),
});
export type BlueGreenSettings = z.output<typeof blueGreenSchema>;

/**
 * When the new version passes. Success = answered and not 5xx (a 4xx is the client's fault, an
 * unanswered request is the backend's). Absolute thresholds apply to the new version alone;
 * `maxSuccessRateDrop` and `maxLatencyRatio` compare it with the stable version over the same
 * window, and are only judged when stable also served `minRequests`.
 *
 * Analysis runs in the background every `intervalMs` over the last `windowMs` of traffic
 * (Flagger's interval and metric window), plus once per canary `analysis` step over that step's
 * window. `failureLimit` failed checks in one attempt abort the rollout: 1 aborts on the first
 * failure (Argo's `failureLimit: 0`; Flagger's `threshold: 1`).
 */
export const analysisThresholdsSchema = z
  .strictObject({
    minSuccessRate: z
      .number()
      .min(0, "must be 0 to 1 (0.99 = 99%)")
      .max(1, "must be 0 to 1 (0.99 = 99%)")
      .default(0.99),
    maxP95Ms: z.number().positive("must be above 0").max(3_600_000, "must be at most 3600000 ms").optional(),
    maxP99Ms: z.number().positive("must be above 0").max(3_600_000, "must be at most 3600000 ms").optional(),
    /** Absolute: 0.01 fails when the new version's success rate is more than 1 point below stable's. */
    maxSuccessRateDrop: z
      .number()
      .min(0, "must be 0 to 1 (0.01 = 1 point)")
      .max(1, "must be 0 to 1 (0.01 = 1 point)")
      .optional(),
    /** New p95 / stable p95: 1.5 fails when the new version is more than 50% slower. */
    maxLatencyRatio: z
      .number()
      .min(1, "must be at least 1 (1.5 = 50% slower)")
      .max(100, "must be at most 100")
      .optional(),
    minRequests: z.int("must be a whole number").min(1, "must be at least 1").max(1_000_000_000).default(100),
    failureLimit: z.int("must be a whole number").min(1, "must be 1 to 1000").max(1000, "must be 1 to 1000").default(3),
    intervalMs: durationMs(SECOND, 3_600_000, "1 s to 1 h").default(5_000),
    windowMs: durationMs(SECOND, DAY, "1 s to 24 h").default(30_000),
  })
  .superRefine((t, ctx) => {
    if (t.windowMs < t.intervalMs) {
      ctx.addIssue({
        code: "custom",
        path: ["windowMs"],
        message: `must be at least intervalMs (${t.intervalMs}) so every request is judged by some check`,
      });
    }
    if (t.maxP95Ms !== undefined && t.maxP99Ms !== undefined && t.maxP99Ms < t.maxP95Ms) {
      ctx.addIssue({
        code: "custom",
        path: ["maxP99Ms"],
        message: `must be at least maxP95Ms (${t.maxP95Ms}): p99 is never below p95`,
      });
    }
  });
export type AnalysisThresholds = z.output<typeof analysisThresholdsSchema>;

const rolloutCommon = {
  poolId: idSchema,
  stableVersion: versionLabelSchema,
  newVersion: versionLabelSchema,
  analysis: analysisThresholdsSchema.prefault({}),
};

export const canaryRolloutSchema = z.strictObject({
  ...rolloutCommon,
  strategy: z.literal("canary"),
  steps: canaryStepsSchema,
  /** Testers: matching requests always reach the new version, whatever the weight. */
  match: rolloutMatchSchema.nullable().default(null),
  /** A client keeps its version while the weight grows (hashed on client IP by default). */
  sticky: z.boolean().default(true),
});

export const blueGreenRolloutSchema = z.strictObject({
  ...rolloutCommon,
  strategy: z.literal("blue_green"),
  blueGreen: blueGreenSchema,
});

/**
 * A rollout definition as an operator creates it, and as the controller reads it back from its
 * row. Cross-field rules: the versions differ, a match names the new version, and an analysis step
 * has traffic to judge (a weight above 0 before it, or a match).
 */
export const rolloutSpecSchema = z
  .discriminatedUnion("strategy", [canaryRolloutSchema, blueGreenRolloutSchema], {
    error: 'must be "canary" or "blue_green"',
  })
  .superRefine((spec, ctx) => {
    if (spec.newVersion === spec.stableVersion) {
      ctx.addIssue({ code: "custom", path: ["newVersion"], message: "must differ from stableVersion" });
    }
    const checkMatch = (match: RolloutMatch | null, path: string) => {
      const target = match?.header ?? match?.cookie;
      if (target?.value !== undefined && target.value !== spec.newVersion) {
        ctx.addIssue({
          code: "custom",
          path: [...path.split("."), match?.header ? "header" : "cookie", "value"],
          message: `must be the new version's label "${spec.newVersion}" (or be left out): the data plane routes a request whose override names a version to that version`,
        });
      }
    };
    if (spec.strategy === "blue_green") {
      checkMatch(spec.blueGreen.previewMatch, "blueGreen.previewMatch");
      return;
    }
    checkMatch(spec.match, "match");
    let weight = 0;
    spec.steps.forEach((step, i) => {
      if (step.setWeight !== undefined) weight = step.setWeight;
      if (step.analysis !== undefined && weight === 0 && spec.match === null) {
        ctx.addIssue({
          code: "custom",
          path: ["steps", i, "analysis"],
          message: "has no traffic to judge: put a setWeight above 0 before it, or set a match",
        });
      }
    });
  });
export type RolloutSpec = z.output<typeof rolloutSpecSchema>;
export type CanaryRolloutSpec = Extract<RolloutSpec, { strategy: "canary" }>;
export type BlueGreenRolloutSpec = Extract<RolloutSpec, { strategy: "blue_green" }>;

/**
 * What `rollouts.create` accepts: the definition; the rollout starts `pending`. One flat object
 * (the REST layer and its OpenAPI document need an object schema, not a union) whose refinement
 * applies `rolloutSpecSchema`, so every rule and message is the spec's; the procedure then reads
 * the spec with `rolloutSpecSchema.parse`.
 */
export const createRolloutInputSchema = z
  .strictObject({
    poolId: idSchema,
    strategy: z.enum(["canary", "blue_green"], { error: 'must be "canary" or "blue_green"' }),
    stableVersion: versionLabelSchema,
    newVersion: versionLabelSchema,
    analysis: z.unknown().optional(),
    /** canary only */
    steps: z.array(z.unknown()).optional(),
    match: z.unknown().optional(),
    sticky: z.boolean().optional(),
    /** blue_green only */
    blueGreen: z.unknown().optional(),
  })
  .superRefine((input, ctx) => {
    const { steps, match, sticky, blueGreen, ...common } = input;
    const candidate =
      input.strategy === "canary"
        ? { ...common, steps, ...(match !== undefined ? { match } : {}), ...(sticky !== undefined ? { sticky } : {}) }
        : { ...common, blueGreen };
    // Keys of the other strategy are refused as the strict union would: unrecognized.
    const foreign = input.strategy === "canary" ? { blueGreen } : { steps, match, sticky };
    for (const [key, value] of Object.entries(foreign))
      if (value !== undefined) ctx.addIssue({ code: "custom", path: [], message: `Unrecognized key: "${key}"` });
    const parsed = rolloutSpecSchema.safeParse(candidate);
    if (!parsed.success)
      for (const issue of parsed.error.issues) ctx.addIssue({ ...issue, code: "custom", message: issue.message });
  });
export type CreateRolloutInput = z.input<typeof createRolloutInputSchema>;

/** The definition columns of a `Rollout` row (the state columns belong to the controller). */
export interface RolloutDefinitionColumns {
  poolId: string;
  strategy: RolloutStrategy;
  stableVersion: string;
  newVersion: string;
  steps: unknown;
  analysis: unknown;
  match: unknown;
  sticky: boolean;
}

/** A validated definition as its row's columns: blue-green settings go in `steps`, as the model documents. */
export function rolloutColumns(spec: RolloutSpec): RolloutDefinitionColumns {
  const common = {
    poolId: spec.poolId,
    strategy: spec.strategy,
    stableVersion: spec.stableVersion,
    newVersion: spec.newVersion,
    analysis: spec.analysis,
  };
  return spec.strategy === "canary"
    ? { ...common, steps: spec.steps, match: spec.match, sticky: spec.sticky }
    : { ...common, steps: spec.blueGreen, match: null, sticky: false };
}

/**
 * The definition back from a row, validated again (JSON columns are only as good as what wrote
 * them). Throws a ZodError, with the column in each issue's path, when the row does not validate.
 */
export function rolloutSpecFromColumns(row: RolloutDefinitionColumns): RolloutSpec {
  const common = {
    poolId: row.poolId,
    stableVersion: row.stableVersion,
    newVersion: row.newVersion,
    analysis: row.analysis ?? {},
  };
  return rolloutSpecSchema.parse(
    row.strategy === "canary"
      ? { ...common, strategy: "canary", steps: row.steps, match: row.match ?? null, sticky: row.sticky }
      : { ...common, strategy: "blue_green", blueGreen: row.steps },
  );
}

/** A rollout as the API returns it: its definition, where it stands, and its latest verdicts. */
export const rolloutDtoSchema = z.object({
  id: z.string(),
  poolId: z.string(),
  pool: z.string(),
  spec: z.unknown(),
  strategy: rolloutStrategySchema,
  stableVersion: z.string(),
  newVersion: z.string(),
  status: rolloutStatusSchema,
  currentStep: z.number(),
  currentWeight: z.number(),
  /** Null while the current step's routing waits for every agent's ack. */
  stepStartedAt: z.string().nullable(),
  routingConfigVersion: z.number().nullable(),
  failedChecks: z.number(),
  message: z.string().nullable(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  createdBy: z.string().nullable(),
  version: z.number(),
  createdAt: z.string(),
  updatedAt: z.string(),
  analysisRuns: z.array(
    z.object({
      at: z.string(),
      step: z.number(),
      verdict: analysisVerdictSchema,
      reason: z.string(),
      metrics: z.unknown(),
    }),
  ),
});
export type RolloutDto = z.infer<typeof rolloutDtoSchema>;

export const listRolloutsInputSchema = z.strictObject({
  poolId: idSchema.optional(),
  /** Only rollouts still running (pending, progressing, paused). */
  active: z.boolean().optional(),
});

export const rolloutRefInputSchema = z.strictObject({ id: idSchema });
export const promoteRolloutInputSchema = z.strictObject({
  id: idSchema,
  /** All the way to 100% (skipping the remaining steps and analysis) instead of the next step. */
  full: z.boolean().default(false),
});
export const rolloutCommandSchema = z.enum(["start", "pause", "resume", "promote", "abort", "retry", "rollback"]);
export type RolloutCommand = z.output<typeof rolloutCommandSchema>;
