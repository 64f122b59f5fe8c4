import { z } from "zod";
import { agentNameSchema } from "../wire/agent";
import { durationMs, idSchema, nameSchema, rowVersionSchema } from "./common";
import { hostSchema, portSchema, versionLabelSchema } from "./pools";

/**
 * Scaling rules as an operator creates and edits them, shaped to the `ScalingRule` model in
 * prisma/schema.prisma. The vocabulary is the Kubernetes HPA's (autoscaling/v2): a proportional
 * recommendation per metric with a tolerance band, stabilization windows per direction, and rate
 * policies (`behavior.scaleUp/scaleDown.policies` + `selectPolicy`); the behaviour when metrics are
 * missing is KEDA's `fallback`. Defaults are the HPA's, so a rule that sets only metrics and
 * bounds behaves as an HPA with no `behavior` block would under `autoscaling/v2` defaults.
 *
 * The API takes the actuator as one object discriminated by `kind`; the table keeps it as the
 * `actuator` enum column plus the `actuatorConfig` JSON column. `scalingRuleColumns` and
 * `scalingRuleSpecFromColumns` convert, like `rolloutColumns` does for rollouts.
 *
 * Secrets (a webhook's HMAC key, a Kubernetes bearer token) are accepted, stored, and never
 * returned: answers go through `publicScalingActuator`. An edit may leave a secret out to keep the
 * stored one (`applyScalingRulePatch`).
 */

/** Upper bound on min/max backends: a rule that wants more is a typo, and the process actuator's port range must hold them. */
export const MAX_SCALING_BACKENDS = 1000;

// ---------------------------------------------------------------------------------------------
// Metrics

export const SCALING_METRIC_TYPES = [
  "rps_per_backend",
  "connections_per_backend",
  "p95_latency_ms",
  "error_rate",
] as const;
export const scalingMetricTypeSchema = z.enum(SCALING_METRIC_TYPES, {
  error: `must be one of ${SCALING_METRIC_TYPES.join(", ")}`,
});
export type ScalingMetricType = z.output<typeof scalingMetricTypeSchema>;

function target(unit: string, max: number) {
  const message = `must be above 0 and at most ${max} (${unit})`;
  return z
    .number({ error: `must be a number (${unit})` })
    .positive(message)
    .max(max, message);
}

/**
 * One metric and the value it should hold. `rps_per_backend` and `connections_per_backend` are
 * averages over the backends that serve (the HPA's `AverageValue` target on a Pods metric);
 * `p95_latency_ms` and `error_rate` are values of the whole pool (or version), the HPA's `Value`
 * target on an Object metric. Both scale by the same proportional formula (see recommend.ts).
 */
export const scalingMetricSchema = z.discriminatedUnion(
  "type",
  [
    z.strictObject({
      type: z.literal("rps_per_backend"),
      target: target("requests per second per backend", 1_000_000),
    }),
    z.strictObject({
      type: z.literal("connections_per_backend"),
      target: target("open connections per backend", 1_000_000),
    }),
    z.strictObject({ type: z.literal("p95_latency_ms"), target: target("milliseconds", 3_600_000) }),
    z.strictObject({ type: z.literal("error_rate"), target: target("a fraction: 0.05 = 5% of requests", 1) }),
  ],
  { error: `must be one of ${SCALING_METRIC_TYPES.join(", ")}` },
);
export type ScalingMetric = z.output<typeof scalingMetricSchema>;

/** Several metrics may be given, each type at most once; the largest recommendation wins. */
export const scalingMetricsSchema = z
  .array(scalingMetricSchema)
  .min(1, "must have at least one metric")
  .max(SCALING_METRIC_TYPES.length, `must have at most ${SCALING_METRIC_TYPES.length} metrics, one per type`)
  .superRefine((metrics, ctx) => {
    const seen = new Set<string>();
    metrics.forEach((m, i) => {
      if (seen.has(m.type)) {
        ctx.addIssue({
          code: "custom",
          path: [i, "type"],
          message: `must not repeat ${m.type}: one target per metric`,
        });
      }
      seen.add(m.type);
    });
  });

// ---------------------------------------------------------------------------------------------
// Rate policies (HPA `behavior.scaleUp` / `behavior.scaleDown`)

export const scalingPolicyTypeSchema = z.enum(["backends", "percent"], { error: 'must be "backends" or "percent"' });
export const selectPolicySchema = z.enum(["max", "min", "disabled"], { error: 'must be "max", "min" or "disabled"' });
export type SelectPolicy = z.output<typeof selectPolicySchema>;

/**
 * At most `value` backends (or `value`% of the count at the start of the period) added or removed
 * per `periodSec`. Ranges as the HPA validates them (period 1 to 1800 s).
 */
export const scalingPolicySchema = z.strictObject({
  type: scalingPolicyTypeSchema,
  value: z.int("must be a whole number").min(1, "must be 1 to 10000").max(10_000, "must be 1 to 10000"),
  periodSec: z.int("must be a whole number of seconds").min(1, "must be 1 to 1800 s").max(1800, "must be 1 to 1800 s"),
});
export type ScalingPolicy = z.output<typeof scalingPolicySchema>;

/** The HPA's defaults: up by 4 backends or 100% (whichever is more) per 15 s, down by 100% per 15 s. */
export const DEFAULT_SCALE_UP_POLICIES: readonly ScalingPolicy[] = Object.freeze([
  { type: "backends", value: 4, periodSec: 15 },
  { type: "percent", value: 100, periodSec: 15 },
]);
export const DEFAULT_SCALE_DOWN_POLICIES: readonly ScalingPolicy[] = Object.freeze([
  { type: "percent", value: 100, periodSec: 15 },
]);

const policyList = (direction: "up" | "down") =>
  z
    .array(scalingPolicySchema)
    .min(1, `must have at least one policy (to stop scaling ${direction}, set selectPolicy.${direction} to "disabled")`)
    .max(10, "must have at most 10 policies");

/**
 * `{ up, down, selectPolicy }`. `selectPolicy` is one value for both directions or
 * `{ up, down }` (the HPA has one per direction: `scaleDown.selectPolicy: Disabled` is the usual way
 * to forbid scaling in). The output always has the per-direction form and every default filled,
 * and is itself valid input, so a stored rule parses back to the same value.
 */
export const scalingPoliciesSchema = z
  .strictObject({
    up: policyList("up").default(() => DEFAULT_SCALE_UP_POLICIES.map((p) => ({ ...p }))),
    down: policyList("down").default(() => DEFAULT_SCALE_DOWN_POLICIES.map((p) => ({ ...p }))),
    selectPolicy: z
      .union(
        [
          selectPolicySchema,
          z.strictObject({ up: selectPolicySchema.default("max"), down: selectPolicySchema.default("max") }),
        ],
        { error: 'must be "max", "min" or "disabled", or { up, down } with those values' },
      )
      .default("max"),
  })
  .transform(({ up, down, selectPolicy }) => ({
    up,
    down,
    selectPolicy: typeof selectPolicy === "string" ? { up: selectPolicy, down: selectPolicy } : selectPolicy,
  }));
export type ScalingPolicies = z.output<typeof scalingPoliciesSchema>;

/** As the `MissingMetricBehavior` enum. */
export const missingMetricsBehaviorSchema = z.enum(["hold", "scale_to_min", "scale_to_max", "fallback_count"], {
  error: 'must be "hold", "scale_to_min", "scale_to_max" or "fallback_count"',
});
export type MissingMetricsBehavior = z.output<typeof missingMetricsBehaviorSchema>;

// ---------------------------------------------------------------------------------------------
// Command templates (process actuator)

export const COMMAND_PLACEHOLDERS = ["port", "version"] as const;
export type CommandPlaceholder = (typeof COMMAND_PLACEHOLDERS)[number];
const MAX_TEMPLATE_LENGTH = 2000;
const MAX_TEMPLATE_ARGS = 128;

/**
 * Splits a command template into argv the way a POSIX shell splits words, and does nothing else a
 * shell does: no variables, globs, pipes or redirections, so the result can go straight to
 * `spawn(argv[0], argv.slice(1))` without a shell. Whitespace separates words; '…' is literal;
 * "…" is literal except `\"` and `\\`; a backslash outside quotes escapes the next character.
 *
 * Placeholders (`{port}`, `{version}`) stay in the words and are replaced by `renderCommand` after
 * splitting, so a value can never add or split an argument. Any other `{word}` is refused (a typo
 * such as `{prot}` would otherwise reach the backend verbatim); other braces are literal.
 *
 * Throws an Error whose message says what is wrong. O(length of the template).
 */
export function splitCommandTemplate(template: string): string[] {
  if (template.length > MAX_TEMPLATE_LENGTH) throw new Error(`must be at most ${MAX_TEMPLATE_LENGTH} characters`);
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
  if (/[\u0000-\u0008\u000a-\u001f\u007f]/.test(template)) {
    throw new Error("must be one line without control characters");
  }
  const words: string[] = [];
  let word = "";
  let inWord = false;
  let quote: "'" | '"' | null = null;
  for (let i = 0; i < template.length; i++) {
    const c = template[i] as string;
    if (quote === "'") {
      if (c === "'") quote = null;
      else word += c;
    } else if (quote === '"') {
      if (c === '"') quote = null;
      else if (c === "\\" && (template[i + 1] === '"' || template[i + 1] === "\\")) word += template[++i];
      else word += c;
    } else if (c === " " || c === "\t") {
      if (inWord) words.push(word);
      word = "";
      inWord = false;
    } else {
      inWord = true;
      if (c === "'" || c === '"') quote = c;
      else if (c === "\\") {
        if (i + 1 >= template.length) throw new Error("must not end with a lone backslash");
        word += template[++i];
      } else word += c;
    }
  }
  if (quote) throw new Error(`has an unclosed ${quote} quote`);
  if (inWord) words.push(word);
  if (words.length === 0) throw new Error("must name a command");
  if (words.length > MAX_TEMPLATE_ARGS) throw new Error(`must have at most ${MAX_TEMPLATE_ARGS} words`);
  const allowed = new Set<string>(COMMAND_PLACEHOLDERS);
  for (const w of words) {
    for (const m of w.matchAll(/\{([A-Za-z_][A-Za-z0-9_]*)\}/g)) {
      if (!allowed.has(m[1] as string)) {
        throw new Error(
          `has an unknown placeholder {${m[1]}}; allowed: ${COMMAND_PLACEHOLDERS.map((p) => `{${p}}`).join(", ")}`,
        );
      }
    }
  }
  if (!words.some((w) => w.includes("{port}"))) {
    throw new Error("must contain {port}: each backend has to be told which port to listen on");
  }
  return words;
}

/** argv from a split template with the placeholders filled; `command` is argv[0]. */
export function renderCommand(
  words: readonly string[],
  values: { port: number; version: string },
): { command: string; args: string[] } {
  const filled = words.map((w) => w.replaceAll("{port}", String(values.port)).replaceAll("{version}", values.version));
  return { command: filled[0] as string, args: filled.slice(1) };
}

// ---------------------------------------------------------------------------------------------
// Actuators

/** As the `ActuatorKind` enum. */
export const ACTUATOR_KINDS = ["process", "kubernetes", "webhook"] as const;
export type ActuatorKind = (typeof ACTUATOR_KINDS)[number];

/** How long a backend being removed may stay draining while requests are in flight on it. */
// At least a second: agents must apply the draining config before in-flight requests can finish.
const drainTimeoutSchema = durationMs(1_000, 3_600_000, "1 s to 1 h");

/**
 * Backends as processes on one agent's host: the agent starts each from `commandTemplate` on a free
 * port of `portRange` (bound on `host`), waits until it accepts TCP connections for at most
 * `startupTimeoutMs`, and stops it with SIGTERM, then SIGKILL after `stopGraceMs`. A backend
 * being removed is drained first, for at most `drainTimeoutMs` (the controller's 60 s when left
 * out) while requests are still in flight on it. `versionLabel` labels the started backends (and
 * fills `{version}`) when the rule itself is not scoped to a version.
 */
export const processActuatorSchema = z
  .strictObject({
    kind: z.literal("process"),
    agent: agentNameSchema,
    commandTemplate: z.string({ error: "must be a command line" }).superRefine((template, ctx) => {
      try {
        splitCommandTemplate(template);
      } catch (error) {
        ctx.addIssue({ code: "custom", message: (error as Error).message });
      }
    }),
    portRange: z.strictObject({ from: portSchema, to: portSchema }),
    host: hostSchema.default("127.0.0.1"),
    versionLabel: versionLabelSchema.optional(),
    startupTimeoutMs: durationMs(100, 600_000, "0.1 s to 10 min").default(30_000),
    stopGraceMs: durationMs(0, 600_000, "0 to 10 min").default(10_000),
    drainTimeoutMs: drainTimeoutSchema.optional(),
  })
  .superRefine((p, ctx) => {
    if (p.portRange.from > p.portRange.to) {
      ctx.addIssue({
        code: "custom",
        path: ["portRange", "to"],
        message: `must be at least portRange.from (${p.portRange.from})`,
      });
    }
  });

/** Kubernetes object names: a namespace and a service are DNS labels, a deployment a DNS subdomain. */
const dnsLabel = z
  .string()
  .min(1, "must not be empty")
  .max(63, "must be at most 63 characters")
  .regex(/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/, "must be lower-case letters, digits and '-' (a DNS label)");
const dnsSubdomain = z
  .string()
  .min(1, "must not be empty")
  .max(253, "must be at most 253 characters")
  .regex(
    /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/,
    "must be lower-case letters, digits, '-' and '.' (a DNS subdomain)",
  );

const httpUrl = (what: string) =>
  z.url({ protocol: /^https?$/, error: `must be an http:// or https:// URL of the ${what}` }).max(2048);

const secretText = (min: number, max: number) =>
  z
    .string({ error: "must be a string" })
    .min(min, `must be at least ${min} characters`)
    .max(max, `must be at most ${max} characters`)
    // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
    .regex(/^[^\u0000-\u001f\u007f]*$/, "must not contain control characters");

/**
 * The secrets of an actuator are required when it is created and optional in an edit, where
 * leaving one out keeps the stored value; so each actuator schema is built for one of the two.
 */
function actuatorSchemas(secrets: "required" | "optional") {
  /**
   * A Deployment, scaled through its `scale` subresource; its endpoints come from the
   * EndpointSlices of `service` (label `kubernetes.io/service-name`), or, without `service`, from
   * the slices labelled with the Deployment's pod selector (works when the Service carries its pods'
   * labels, as Helm charts do). `port` is the container port traffic goes to. `inCluster` uses the
   * pod's service account; otherwise `apiServer` and the bearer token `tokenSecret` are required.
   * An endpoint that leaves is drained for at most `drainTimeoutMs` (the controller's 60 s when
   * left out) before its backend is removed.
   */
  const kubernetes = z
    .strictObject({
      kind: z.literal("kubernetes"),
      inCluster: z.boolean().default(false),
      apiServer: httpUrl("Kubernetes API server").optional(),
      tokenSecret: secretText(1, 16_384).optional(),
      caCertificate: z
        .string()
        .includes("-----BEGIN CERTIFICATE-----", { message: "must be a PEM certificate" })
        .optional(),
      insecureSkipTlsVerify: z.boolean().default(false),
      namespace: dnsLabel,
      deployment: dnsSubdomain,
      service: dnsLabel.optional(),
      port: portSchema,
      drainTimeoutMs: drainTimeoutSchema.optional(),
    })
    .superRefine((k, ctx) => {
      if (k.inCluster) {
        for (const key of ["apiServer", "tokenSecret", "caCertificate"] as const) {
          if (k[key] !== undefined) {
            ctx.addIssue({
              code: "custom",
              path: [key],
              message: "must be left out with inCluster: the pod's service account is used",
            });
          }
        }
        return;
      }
      if (k.apiServer === undefined) {
        ctx.addIssue({ code: "custom", path: ["apiServer"], message: "is required unless inCluster is true" });
      } else if (k.apiServer.startsWith("http:") && !k.insecureSkipTlsVerify) {
        ctx.addIssue({
          code: "custom",
          path: ["insecureSkipTlsVerify"],
          message: "must be true for an http:// apiServer (the client refuses plain http otherwise); prefer https",
        });
      }
      if (secrets === "required" && k.tokenSecret === undefined) {
        ctx.addIssue({
          code: "custom",
          path: ["tokenSecret"],
          message: "is required unless inCluster is true (a bearer token)",
        });
      }
    });

  /**
   * POSTs `{ rule, pool, version?, current, desired, reason, at }` to `url`, signed with an
   * HMAC-SHA256 of the body keyed by `secret` (see actuators/webhook.ts), retried `retries` times on
   * network errors and 5xx, each attempt cut at `timeoutMs`.
   */
  const webhook = z.strictObject({
    kind: z.literal("webhook"),
    url: httpUrl("receiver"),
    secret: secretText(16, 512),
    timeoutMs: durationMs(100, 60_000, "0.1 to 60 s").default(5_000),
    retries: z.int("must be a whole number").min(0, "must be 0 to 10").max(10, "must be 0 to 10").default(3),
  });

  return { process: processActuatorSchema, kubernetes, webhook };
}

const unionError = { error: 'must be "process", "kubernetes" or "webhook"' };
const createActuators = actuatorSchemas("required");
const patchActuators = actuatorSchemas("optional");

export const scalingActuatorSchema = z.discriminatedUnion(
  "kind",
  [createActuators.process, createActuators.kubernetes, createActuators.webhook],
  unionError,
);
export type ScalingActuator = z.output<typeof scalingActuatorSchema>;
export type ProcessActuatorConfig = Extract<ScalingActuator, { kind: "process" }>;
export type KubernetesActuatorConfig = Extract<ScalingActuator, { kind: "kubernetes" }>;
export type WebhookActuatorConfig = Extract<ScalingActuator, { kind: "webhook" }>;

/** An actuator in an edit: secrets may be left out to keep the stored ones. */
export const scalingActuatorPatchSchema = z.discriminatedUnion(
  "kind",
  [
    patchActuators.process,
    patchActuators.kubernetes,
    patchActuators.webhook.extend({ secret: patchActuators.webhook.shape.secret.optional() }),
  ],
  unionError,
);
export type ScalingActuatorPatch = z.output<typeof scalingActuatorPatchSchema>;

/** What answers show of an actuator: secrets replaced by whether one is set. */
export type PublicScalingActuator =
  | ProcessActuatorConfig
  | (Omit<KubernetesActuatorConfig, "tokenSecret"> & { tokenSecretSet: boolean })
  | (Omit<WebhookActuatorConfig, "secret"> & { secretSet: true });

export function publicScalingActuator(actuator: ScalingActuator): PublicScalingActuator {
  switch (actuator.kind) {
    case "process":
      return actuator;
    case "kubernetes": {
      const { tokenSecret, ...rest } = actuator;
      return { ...rest, tokenSecretSet: tokenSecret !== undefined };
    }
    case "webhook": {
      const { secret: _secret, ...rest } = actuator;
      return { ...rest, secretSet: true };
    }
  }
}

// ---------------------------------------------------------------------------------------------
// The rule

const backendCount = (what: string) =>
  z
    .int(`must be a whole number of backends`)
    .min(1, `must be 1 to ${MAX_SCALING_BACKENDS} (${what})`)
    .max(MAX_SCALING_BACKENDS, `must be 1 to ${MAX_SCALING_BACKENDS} (${what})`);
const toleranceSchema = z
  .number({ error: "must be a number" })
  .min(0, "must be 0 to 0.9 (0.1 = ±10%)")
  .max(0.9, "must be 0 to 0.9 (0.1 = ±10%)");
const windowSec = z
  .int("must be a whole number of seconds")
  .min(0, "must be 0 to 3600 s")
  .max(3600, "must be 0 to 3600 s (as the HPA allows)");

/**
 * Every editable field with its default. `minBackends` is at least 1: a pool with no backend
 * answers 503 and produces no metric to scale back up from (the HPA also needs a feature gate for
 * zero). `tolerance` is the HPA's relative band (0.1: nothing changes while the metric is within
 * ±10% of its target).
 */
const ruleFields = {
  name: nameSchema,
  versionLabel: versionLabelSchema.nullable().default(null),
  enabled: z.boolean().default(true),
  metrics: scalingMetricsSchema,
  minBackends: backendCount("the fewest the rule keeps").default(1),
  maxBackends: backendCount("the most the rule starts").default(10),
  tolerance: toleranceSchema.default(0.1),
  scaleUpWindowSec: windowSec.default(0),
  scaleDownWindowSec: windowSec.default(300),
  policies: scalingPoliciesSchema.prefault({}),
  missingMetrics: missingMetricsBehaviorSchema.default("hold"),
  fallbackBackends: backendCount("the count to fall back to").nullable().default(null),
};

type RuleCrossFields = {
  versionLabel: string | null;
  minBackends: number;
  maxBackends: number;
  missingMetrics: MissingMetricsBehavior;
  fallbackBackends: number | null;
  actuator: { kind: ActuatorKind; portRange?: { from: number; to: number }; versionLabel?: string };
};

/** Rules across fields, shared by the create schema and the re-validation after an edit. */
function checkRule(rule: RuleCrossFields, ctx: z.RefinementCtx) {
  if (rule.minBackends > rule.maxBackends) {
    ctx.addIssue({
      code: "custom",
      path: ["maxBackends"],
      message: `must be at least minBackends (${rule.minBackends})`,
    });
  }
  if (rule.missingMetrics === "fallback_count") {
    if (rule.fallbackBackends === null) {
      ctx.addIssue({
        code: "custom",
        path: ["fallbackBackends"],
        message: 'is required when missingMetrics is "fallback_count"',
      });
    } else if (rule.fallbackBackends < rule.minBackends || rule.fallbackBackends > rule.maxBackends) {
      ctx.addIssue({
        code: "custom",
        path: ["fallbackBackends"],
        message: `must be within minBackends and maxBackends (${rule.minBackends} to ${rule.maxBackends})`,
      });
    }
  } else if (rule.fallbackBackends !== null) {
    ctx.addIssue({
      code: "custom",
      path: ["fallbackBackends"],
      message: `must be left out (null) unless missingMetrics is "fallback_count"; it is "${rule.missingMetrics}"`,
    });
  }
  const a = rule.actuator;
  if (a.kind === "process" && a.portRange) {
    const ports = a.portRange.to - a.portRange.from + 1;
    if (ports > 0 && ports < rule.maxBackends) {
      ctx.addIssue({
        code: "custom",
        path: ["actuator", "portRange"],
        message: `holds ${ports} port${ports === 1 ? "" : "s"}, fewer than maxBackends (${rule.maxBackends}): each backend needs its own`,
      });
    }
    if (a.versionLabel !== undefined && rule.versionLabel !== null && a.versionLabel !== rule.versionLabel) {
      ctx.addIssue({
        code: "custom",
        path: ["actuator", "versionLabel"],
        message: `must be the rule's versionLabel "${rule.versionLabel}" (or be left out)`,
      });
    }
  }
}

/**
 * A scaling rule as an operator creates it, and as the controller reads it back from its row.
 * Scoped to the pool's backends of `versionLabel`, or to the whole pool when it is null.
 */
export const scalingRuleSpecSchema = z
  .strictObject({ ...ruleFields, poolId: idSchema, actuator: scalingActuatorSchema })
  .superRefine(checkRule);
export type ScalingRuleSpec = z.output<typeof scalingRuleSpecSchema>;
export type ScalingRuleSpecInput = z.input<typeof scalingRuleSpecSchema>;

/** What `scalingRules.create` accepts. */
export const createScalingRuleInputSchema = scalingRuleSpecSchema;
export type CreateScalingRuleInput = z.input<typeof createScalingRuleInputSchema>;

/**
 * An edit: fields left out are kept; `actuator`, when sent, replaces the stored one whole except
 * for secrets left out (kept when the kind is unchanged). The pool of a rule cannot change.
 * Field-level checks run here; the rules across fields run when `applyScalingRulePatch` validates
 * the merged rule, so a change of maxBackends alone is checked against the stored minBackends.
 */
export const updateScalingRuleInputSchema = z.strictObject({
  id: idSchema,
  version: rowVersionSchema,
  name: ruleFields.name.optional(),
  versionLabel: versionLabelSchema.nullable().optional(),
  enabled: z.boolean().optional(),
  metrics: scalingMetricsSchema.optional(),
  minBackends: backendCount("the fewest the rule keeps").optional(),
  maxBackends: backendCount("the most the rule starts").optional(),
  tolerance: toleranceSchema.optional(),
  scaleUpWindowSec: windowSec.optional(),
  scaleDownWindowSec: windowSec.optional(),
  policies: scalingPoliciesSchema.optional(),
  missingMetrics: missingMetricsBehaviorSchema.optional(),
  fallbackBackends: backendCount("the count to fall back to").nullable().optional(),
  actuator: scalingActuatorPatchSchema.optional(),
});
export type UpdateScalingRuleInput = z.output<typeof updateScalingRuleInputSchema>;

/**
 * The stored rule with an edit applied, validated whole. Throws a ZodError (paths name the fields)
 * when the result is not a valid rule, e.g. minBackends above the stored maxBackends, or a switch
 * to a webhook actuator without its secret.
 */
export function applyScalingRulePatch(stored: ScalingRuleSpec, patch: UpdateScalingRuleInput): ScalingRuleSpec {
  const { id: _id, version: _version, actuator, ...fields } = patch;
  const merged: Record<string, unknown> = { ...stored };
  for (const [key, value] of Object.entries(fields)) if (value !== undefined) merged[key] = value;
  if (actuator) {
    const next: Record<string, unknown> = { ...actuator };
    if (stored.actuator.kind === actuator.kind) {
      if (actuator.kind === "webhook" && actuator.secret === undefined && stored.actuator.kind === "webhook") {
        next.secret = stored.actuator.secret;
      }
      if (
        actuator.kind === "kubernetes" &&
        !actuator.inCluster &&
        actuator.tokenSecret === undefined &&
        stored.actuator.kind === "kubernetes"
      ) {
        next.tokenSecret = stored.actuator.tokenSecret;
      }
    }
    merged.actuator = next;
  }
  return scalingRuleSpecSchema.parse(merged);
}

/** The columns of a `ScalingRule` row that hold the definition (the rest belong to the controller). */
export interface ScalingRuleColumns {
  name: string;
  poolId: string;
  versionLabel: string | null;
  enabled: boolean;
  metrics: unknown;
  minBackends: number;
  maxBackends: number;
  tolerance: number;
  scaleUpWindowSec: number;
  scaleDownWindowSec: number;
  policies: unknown;
  missingMetrics: MissingMetricsBehavior;
  fallbackBackends: number | null;
  actuator: ActuatorKind;
  actuatorConfig: unknown;
}

/** A validated rule as its row's columns: the actuator's kind in `actuator`, the rest in `actuatorConfig`. */
export function scalingRuleColumns(spec: ScalingRuleSpec): ScalingRuleColumns {
  const { actuator, ...rest } = spec;
  const { kind, ...actuatorConfig } = actuator;
  return { ...rest, actuator: kind, actuatorConfig };
}

/**
 * The rule back from a row, validated again (JSON columns are only as good as what wrote them).
 * Throws a ZodError when the row does not validate; actuatorConfig's fields appear under `actuator`.
 */
export function scalingRuleSpecFromColumns(row: ScalingRuleColumns): ScalingRuleSpec {
  const { actuator, actuatorConfig, ...rest } = row;
  const config = typeof actuatorConfig === "object" && actuatorConfig !== null ? actuatorConfig : {};
  return scalingRuleSpecSchema.parse({ ...rest, actuator: { ...config, kind: actuator } });
}
