import type {
  ScalingMetric,
  ScalingMetricType,
  ScalingPolicies,
  ScalingPolicy,
  ScalingRuleSpec,
  SelectPolicy,
} from "@weir/config/api";

/**
 * How many backends a scaling rule wants: the Kubernetes HPA's algorithm (autoscaling/v2 with
 * `behavior`, pkg/controller/podautoscaler/horizontal.go and replica_calculator.go) as a pure
 * function. Everything that changes between evaluations comes in and goes out as plain data: the
 * clock (`now`), the recommendation history the stabilization windows read, and the scale events
 * the rate policies read. The controller keeps them (in memory or in the decision log) and passes
 * them back on the next evaluation, so a restart loses nothing it chose to persist.
 *
 * The steps, in the HPA's order:
 *
 * 1. Out of bounds: a current count above max or below min goes straight to the bound, with no
 *    metric, window or policy involved (the HPA's "Current number of replicas above/below ...").
 *    Unlike the HPA, a current count of 0 is not "autoscaling disabled": it is below min (≥ 1), so
 *    the rule brings the backends back.
 * 2. Per metric, `ratio = value / target`; inside the tolerance band (|ratio − 1| ≤ tolerance) the
 *    metric recommends the current count; otherwise `ceil(ratio × ready)`. The largest
 *    recommendation wins.
 * 3. Missing metrics: see `missingMetrics` below.
 * 4. Stabilization: the recommendation is bounded by the lowest recommendation of the scale-up
 *    window and the highest of the scale-down window (both including this one), so the count only
 *    rises when every recent recommendation was above it, and only falls when every recent one was
 *    below it. The raw recommendation (not the bounded one) joins the history.
 * 5. Rate policies: a scale-up may reach at most the period-start count plus N backends (or P%),
 *    per policy, where the period-start count is the current count minus what was added and plus
 *    what was removed in that policy's period; `selectPolicy` max takes the most permissive policy,
 *    min the least, disabled forbids the direction. Scale-down mirrors it.
 * 6. Clamp to [min, max].
 *
 * Formulas, per metric family:
 * - `rps_per_backend`, `connections_per_backend` (HPA `AverageValue`): `value` is the average over
 *   the `ready` backends (those that served traffic). With every backend ready, the recommendation
 *   is `ceil(current × value / target)`. Backends not ready yet (starting, in slow start) count, as
 *   the HPA counts unready or unmeasured pods, as carrying no load when the metric says scale up and
 *   as exactly at target when it says scale down; so a scale-up is not repeated while the backends
 *   it started are still warming up, and a scale-down is not deepened by backends without data.
 * - `p95_latency_ms`, `error_rate` (HPA `Value` on an Object metric): the pool's value against the
 *   target, `ceil(ready × value / target)`, the same proportional formula. It assumes the value falls
 *   in proportion to added capacity, which holds for queueing delay and for errors caused by
 *   overload but not for latency a backend has even when idle, nor for errors capacity cannot fix:
 *   pair these metrics with a per-backend one (the largest recommendation wins) and a generous
 *   scale-down window. A value below target recommends fewer backends in the same proportion.
 * - For every metric, a recommendation never goes against its ratio (above target never
 *   recommends fewer backends, below never more); the HPA applies that guard when some pods are
 *   not ready, and it matters here when only some backends are.
 * - Rounding: the product is computed before the division and noise below 1e-9 is dropped before
 *   `ceil`, so 10 backends at 110 req/s against 100 recommend 11, where the HPA's float64 ratio
 *   (1.1 × 10 = 11.000000000000002) gives 12. Likewise the tolerance band includes its edges as
 *   documented: 110 against 100 is within 10% (the HPA's |1 − 1.1| is 0.10000000000000009).
 *
 * `missingMetrics`, when a metric has no value (null, undefined, negative or not finite):
 * - `hold` (the HPA's behaviour): with no metric at all, the count stays and nothing joins the
 *   history; with some, the others may scale up but never down.
 * - `scale_to_min` / `scale_to_max` / `fallback_count` (KEDA's `fallback`): each missing metric
 *   recommends min / max / `fallbackBackends`, and that recommendation then goes through the
 *   windows and policies like any other (KEDA's fallback goes through the HPA's behaviour too). When
 *   to call a metric missing (how stale is too stale) is the caller's choice.
 *
 * Cost: O(metrics + history + events × policies) per call; history holds at most one entry per
 * evaluation within the longest window, events one per scale within the longest policy period.
 */

/** The parts of a rule this reads. */
export type ScalingBehavior = Pick<
  ScalingRuleSpec,
  | "metrics"
  | "minBackends"
  | "maxBackends"
  | "tolerance"
  | "scaleUpWindowSec"
  | "scaleDownWindowSec"
  | "policies"
  | "missingMetrics"
  | "fallbackBackends"
>;

/** One raw recommendation, as the stabilization windows read it. `at` in epoch milliseconds. */
export interface TimestampedRecommendation {
  at: number;
  recommendation: number;
}

/** A change the actuator carried out (record it with `recordScaleEvent`). `at` in epoch milliseconds. */
export interface ScaleEvent {
  at: number;
  from: number;
  to: number;
}

export interface RecommendInput {
  rule: ScalingBehavior;
  /** Backends the rule manages now, starting ones included (the HPA's `spec.replicas`). */
  current: number;
  /** Backends the metric values were measured on (in rotation and reporting). Default: `current`. */
  ready?: number;
  /** Latest value per metric type; per-backend metrics are averages over the ready backends. */
  values: Partial<Record<ScalingMetricType, number | null>>;
  /**
   * What the last call returned as `history`; `undefined` when there is none (first evaluation, or
   * a restart that did not keep it): the history then starts with the current count, as the HPA's
   * `recordInitialRecommendation` does, so a fresh controller does not scale down at once.
   */
  history: readonly TimestampedRecommendation[] | undefined;
  /** Scale events within the longest policy period (older ones are ignored). */
  events: readonly ScaleEvent[];
  /** Epoch milliseconds. */
  now: number;
}

/** Which step decided the outcome, if any held the metrics' recommendation back. */
export type ScalingLimit = "tolerance" | "missing_metrics" | "stabilization_window" | "rate_policy" | "min" | "max";

/** As the `action` column of `ScalingDecision`. */
export type ScalingAction = "scale_up" | "scale_down" | "none" | "hold";

export interface MetricRecommendation {
  type: ScalingMetricType;
  target: number;
  /** null when missing. */
  value: number | null;
  /** value / target; null when missing. */
  ratio: number | null;
  /** This metric's recommendation; null when missing and `missingMetrics` is hold. */
  recommended: number | null;
  /** Skipped because |ratio − 1| ≤ tolerance: recommends the current count. */
  withinTolerance: boolean;
  /** Missing, and `recommended` is the fallback count. */
  fallback: boolean;
}

export interface Recommendation {
  current: number;
  /** The count to set now, within [min, max]. */
  desired: number;
  action: ScalingAction;
  /** The metrics' recommendation before windows, policies and bounds (what joined the history); null on hold. */
  recommended: number | null;
  /** After the stabilization windows, before rate policies and bounds. */
  stabilized: number;
  limitedBy: ScalingLimit | null;
  metrics: MetricRecommendation[];
  /** One line for the decision log. */
  reason: string;
  /** Pass back as `history` on the next call; entries older than the longest window are dropped. */
  history: TimestampedRecommendation[];
}

const PER_BACKEND: ReadonlySet<ScalingMetricType> = new Set(["rps_per_backend", "connections_per_backend"]);

/** ceil that ignores floating-point noise (see the module docblock). */
function ceilCount(x: number): number {
  return Math.ceil(x - 1e-9 * Math.max(1, Math.abs(x)));
}

function isValue(v: number | null | undefined): v is number {
  return typeof v === "number" && Number.isFinite(v) && v >= 0;
}

function proposeForMetric(
  metric: ScalingMetric,
  value: number,
  current: number,
  ready: number,
  tolerance: number,
): { ratio: number; recommended: number; withinTolerance: boolean } {
  const ratio = value / metric.target;
  const hold = { ratio, recommended: current, withinTolerance: true };
  let proposal: number;
  if (PER_BACKEND.has(metric.type) && ready < current) {
    // Not-ready backends at zero load when scaling up, at target when scaling down (HPA groupPods).
    const load = ratio > 1 ? (value * ready) / metric.target : (value * ready) / metric.target + (current - ready);
    const adjusted = load / current;
    if (Math.abs(adjusted - 1) <= tolerance + 1e-9 || ratio > 1 !== adjusted > 1) return hold;
    proposal = ceilCount(load);
  } else {
    if (Math.abs(ratio - 1) <= tolerance + 1e-9) return hold;
    proposal = ceilCount((ready * value) / metric.target);
  }
  if ((ratio > 1 && proposal < current) || (ratio < 1 && proposal > current)) proposal = current;
  return { ratio, recommended: proposal, withinTolerance: false };
}

function longestWindowMs(rule: ScalingBehavior): number {
  return Math.max(rule.scaleUpWindowSec, rule.scaleDownWindowSec) * 1000;
}

function changeInPeriod(events: readonly ScaleEvent[], periodSec: number, now: number, direction: "up" | "down") {
  const cutoff = now - periodSec * 1000;
  let sum = 0;
  for (const e of events) {
    if (e.at <= cutoff || e.at > now) continue;
    if (direction === "up" && e.to > e.from) sum += e.to - e.from;
    if (direction === "down" && e.to < e.from) sum += e.from - e.to;
  }
  return sum;
}

/**
 * The most backends the scale-up policies allow now (HPA calculateScaleUpLimitWithScalingRules):
 * per policy, the count at the start of its period plus N or ceil(P%); `max` picks the largest
 * proposal, `min` the smallest, `disabled` allows none.
 */
export function scaleUpLimit(
  current: number,
  events: readonly ScaleEvent[],
  policies: readonly ScalingPolicy[],
  select: SelectPolicy,
  now: number,
): number {
  if (select === "disabled") return current;
  let result = select === "min" ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY;
  for (const p of policies) {
    const periodStart =
      current - changeInPeriod(events, p.periodSec, now, "up") + changeInPeriod(events, p.periodSec, now, "down");
    // Integer arithmetic before the rounding: the HPA's float64 `ceil(n × (1 + p/100))` can be off by one.
    const proposed = p.type === "backends" ? periodStart + p.value : Math.ceil((periodStart * (100 + p.value)) / 100);
    result = select === "min" ? Math.min(result, proposed) : Math.max(result, proposed);
  }
  return Number.isFinite(result) ? result : current;
}

/**
 * The fewest backends the scale-down policies allow now (HPA calculateScaleDownLimitWithBehaviors):
 * per policy, the count at the start of its period minus N or P% (rounded towards keeping more);
 * `max` picks the largest change (the smallest count), `min` the smallest change.
 */
export function scaleDownLimit(
  current: number,
  events: readonly ScaleEvent[],
  policies: readonly ScalingPolicy[],
  select: SelectPolicy,
  now: number,
): number {
  if (select === "disabled") return current;
  let result = select === "min" ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
  for (const p of policies) {
    const periodStart =
      current - changeInPeriod(events, p.periodSec, now, "up") + changeInPeriod(events, p.periodSec, now, "down");
    const proposed = p.type === "backends" ? periodStart - p.value : Math.trunc((periodStart * (100 - p.value)) / 100);
    result = select === "min" ? Math.max(result, proposed) : Math.min(result, proposed);
  }
  return Number.isFinite(result) ? result : current;
}

function describePolicies(policies: readonly ScalingPolicy[], select: SelectPolicy): string {
  const list = policies.map(
    (p) => `${p.type === "backends" ? `${p.value} backends` : `${p.value}%`} per ${p.periodSec} s`,
  );
  if (list.length === 1) return list[0] as string;
  return `${select === "min" ? "the least of" : "the most of"} ${list.join(", ")}`;
}

function formatValue(type: ScalingMetricType, v: number): string {
  const n = (x: number) => String(Number(x.toPrecision(4)));
  switch (type) {
    case "rps_per_backend":
      return `${n(v)} req/s`;
    case "connections_per_backend":
      return `${n(v)} connections`;
    case "p95_latency_ms":
      return `${n(v)} ms`;
    case "error_rate":
      return `${n(v * 100)}%`;
  }
}

function describeMetric(m: MetricRecommendation): string {
  if (m.value === null) return `${m.type} missing${m.fallback ? ` (fallback ${m.recommended})` : ""}`;
  return `${m.type} ${formatValue(m.type, m.value)} vs target ${formatValue(m.type, m.target)} → ${m.recommended}`;
}

/** Keeps entries newer than `windowMs` before `now`, in order. */
function recent(history: readonly TimestampedRecommendation[], now: number, windowMs: number) {
  return history.filter((h) => h.at > now - windowMs && h.at <= now);
}

/** The HPA's algorithm over one evaluation; see the module docblock. Pure: the input is not modified. */
export function recommend(input: RecommendInput): Recommendation {
  const { rule, now } = input;
  const current = input.current;
  if (!Number.isInteger(current) || current < 0)
    throw new RangeError(`current must be a whole number ≥ 0, got ${current}`);
  const ready = Math.min(current, Math.max(0, Math.floor(input.ready ?? current)));
  const { minBackends: min, maxBackends: max } = rule;
  const history0: readonly TimestampedRecommendation[] = input.history ?? [{ at: now, recommendation: current }];

  const fallbackCount =
    rule.missingMetrics === "scale_to_min"
      ? min
      : rule.missingMetrics === "scale_to_max"
        ? max
        : rule.missingMetrics === "fallback_count"
          ? (rule.fallbackBackends ?? min)
          : null;
  const metrics: MetricRecommendation[] = rule.metrics.map((metric) => {
    const raw = input.values[metric.type];
    if (!isValue(raw)) {
      return {
        type: metric.type,
        target: metric.target,
        value: null,
        ratio: null,
        recommended: fallbackCount,
        withinTolerance: false,
        fallback: fallbackCount !== null,
      };
    }
    return {
      type: metric.type,
      target: metric.target,
      value: raw,
      ...proposeForMetric(metric, raw, current, ready, rule.tolerance),
      fallback: false,
    };
  });

  const result = (
    fields: Pick<Recommendation, "desired" | "recommended" | "stabilized" | "limitedBy" | "reason"> & {
      history: readonly TimestampedRecommendation[];
      action?: ScalingAction;
    },
  ): Recommendation => ({
    current,
    action: fields.action ?? (fields.desired > current ? "scale_up" : fields.desired < current ? "scale_down" : "none"),
    metrics,
    ...fields,
    history: recent(fields.history, now, longestWindowMs(rule)),
  });

  // 1. Out of bounds.
  if (current > max || current < min) {
    const bound = current > max ? max : min;
    return result({
      desired: bound,
      recommended: null,
      stabilized: bound,
      limitedBy: current > max ? "max" : "min",
      reason: `${current} backends is ${current > max ? `above maxBackends ${max}` : `below minBackends ${min}`}: scale ${current > max ? "down" : "up"} ${current} → ${bound}`,
      history: history0,
    });
  }

  // 2–3. Metrics, missing ones.
  const missing = metrics.filter((m) => m.value === null);
  const voting = metrics.filter((m) => m.recommended !== null);
  const missingNames = missing.map((m) => m.type).join(", ");
  let recommended = voting.reduce((acc, m) => Math.max(acc, m.recommended as number), Number.NEGATIVE_INFINITY);
  if (rule.missingMetrics === "hold" && (voting.length === 0 || (missing.length > 0 && recommended < current))) {
    return result({
      desired: current,
      action: "hold",
      recommended: null,
      stabilized: current,
      limitedBy: "missing_metrics",
      reason:
        voting.length === 0
          ? `no value for ${missingNames}: hold at ${current}`
          : `no value for ${missingNames}: hold at ${current} rather than scale down on ${voting.map(describeMetric).join(", ")}`,
      history: history0,
    });
  }
  if (!Number.isFinite(recommended)) recommended = current; // no metrics at all: nothing to act on
  const driver = voting.find((m) => m.recommended === recommended) ?? voting[0];

  // 4. Stabilization windows.
  const upCutoff = now - rule.scaleUpWindowSec * 1000;
  const downCutoff = now - rule.scaleDownWindowSec * 1000;
  let upBound = recommended;
  let downBound = recommended;
  for (const h of history0) {
    if (h.at > now) continue;
    if (h.at > upCutoff) upBound = Math.min(upBound, h.recommendation);
    if (h.at > downCutoff) downBound = Math.max(downBound, h.recommendation);
  }
  const stabilized = Math.min(Math.max(current, upBound), downBound);
  const history = [...history0, { at: now, recommendation: recommended }];

  // 5–6. Rate policies, bounds.
  const policies: ScalingPolicies = rule.policies;
  let desired = stabilized;
  let limitedBy: ScalingLimit | null = null;
  let limitNote = "";
  if (stabilized > current) {
    const limit = Math.max(current, scaleUpLimit(current, input.events, policies.up, policies.selectPolicy.up, now));
    const allowed = Math.min(max, limit);
    if (stabilized > allowed) {
      desired = allowed;
      limitedBy = limit < max ? "rate_policy" : "max";
      limitNote =
        limitedBy === "max"
          ? `, capped at maxBackends ${max}`
          : policies.selectPolicy.up === "disabled"
            ? ", but scaling up is disabled (selectPolicy)"
            : `, limited by the scale-up policy (${describePolicies(policies.up, policies.selectPolicy.up)})`;
    }
  } else if (stabilized < current) {
    const limit = Math.min(
      current,
      scaleDownLimit(current, input.events, policies.down, policies.selectPolicy.down, now),
    );
    const allowed = Math.max(min, limit);
    if (stabilized < allowed) {
      desired = allowed;
      limitedBy = limit > min ? "rate_policy" : "min";
      limitNote =
        limitedBy === "min"
          ? `, kept at minBackends ${min}`
          : policies.selectPolicy.down === "disabled"
            ? ", but scaling down is disabled (selectPolicy)"
            : `, limited by the scale-down policy (${describePolicies(policies.down, policies.selectPolicy.down)})`;
    }
  }
  if (limitedBy === null && stabilized !== recommended) {
    limitedBy = "stabilization_window";
    limitNote =
      recommended > current
        ? `, held by the ${rule.scaleUpWindowSec} s scale-up window (lowest recent recommendation ${upBound})`
        : `, held by the ${rule.scaleDownWindowSec} s scale-down window (highest recent recommendation ${downBound})`;
  }
  if (limitedBy === null && recommended === current && voting.some((m) => m.withinTolerance)) {
    limitedBy = "tolerance";
  }

  const drivers =
    limitedBy === "tolerance"
      ? `${voting.map(describeMetric).join(", ")} (within ±${Math.round(rule.tolerance * 100)}% tolerance)`
      : driver
        ? describeMetric(driver)
        : "no metric";
  const move =
    desired > current
      ? `scale up ${current} → ${desired}`
      : desired < current
        ? `scale down ${current} → ${desired}`
        : `keep ${current}`;
  return result({
    desired,
    recommended,
    stabilized,
    limitedBy,
    reason: `${drivers}: ${move}${limitNote}`,
    history,
  });
}

/**
 * Appends a carried-out change and drops events older than the longest policy period, in either
 * direction (both directions' periods read both kinds of events). A no-op change is not recorded.
 */
export function recordScaleEvent(
  events: readonly ScaleEvent[],
  event: ScaleEvent,
  policies: ScalingPolicies,
): ScaleEvent[] {
  const longest = Math.max(0, ...policies.up.map((p) => p.periodSec), ...policies.down.map((p) => p.periodSec)) * 1000;
  const kept = events.filter((e) => e.at > event.at - longest);
  if (event.from !== event.to) kept.push(event);
  return kept;
}

/** A version's share of the pool's traffic: any non-negative weight (percent, fraction, split weight). */
export interface VersionShare {
  version: string;
  share: number;
}

/**
 * Rollout-aware capacity: splits `total` backends across versions in proportion to their traffic
 * shares (largest-remainder apportionment), so during a canary at 20% the canary gets a fifth of
 * the backends. Every version with a share above 0 gets at least 1 backend, so a version that
 * receives traffic always has somewhere to send it; when `total` is smaller than the number of such
 * versions, the sum is that number (above `total`): serving every version wins over the count.
 * A version with share 0 gets 0. On a tie, a backend is added to (or taken from) the version with the
 * larger share, then the earlier one.
 * Output in input order. O(versions²) at worst, for a handful of versions.
 */
export function splitByTrafficShare(
  total: number,
  versions: readonly VersionShare[],
): Array<{ version: string; desired: number }> {
  const shares = versions.map((v) => (Number.isFinite(v.share) && v.share > 0 ? v.share : 0));
  const sum = shares.reduce((a, b) => a + b, 0);
  const serving = shares.filter((s) => s > 0).length;
  if (sum === 0 || serving === 0) return versions.map((v) => ({ version: v.version, desired: 0 }));
  const whole = Math.max(0, Math.floor(total));
  if (whole <= serving)
    return versions.map((v, i) => ({ version: v.version, desired: (shares[i] as number) > 0 ? 1 : 0 }));

  const quota = shares.map((s) => (whole * s) / sum);
  const alloc = quota.map((q, i) => ((shares[i] as number) > 0 ? Math.max(1, Math.floor(q + 1e-9)) : 0));
  let allocated = alloc.reduce((a, b) => a + b, 0);
  const pick = (better: (a: number, b: number) => boolean, eligible: (i: number) => boolean) => {
    let best = -1;
    for (let i = 0; i < alloc.length; i++) {
      if (!eligible(i)) continue;
      if (best === -1) best = i;
      else {
        const d = (quota[i] as number) - (alloc[i] as number);
        const bd = (quota[best] as number) - (alloc[best] as number);
        if (better(d, bd) || (d === bd && (shares[i] as number) > (shares[best] as number))) best = i;
      }
    }
    return best;
  };
  while (allocated < whole) {
    const i = pick(
      (d, bd) => d > bd,
      (j) => (shares[j] as number) > 0,
    );
    alloc[i] = (alloc[i] as number) + 1;
    allocated++;
  }
  while (allocated > whole) {
    const i = pick(
      (d, bd) => d < bd,
      (j) => (alloc[j] as number) > 1,
    );
    alloc[i] = (alloc[i] as number) - 1;
    allocated--;
  }
  return versions.map((v, i) => ({ version: v.version, desired: alloc[i] as number }));
}
