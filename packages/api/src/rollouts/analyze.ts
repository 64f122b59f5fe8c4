import { type HistogramSnapshot, mergeHistograms, quantile, type StatusCounts } from "@weir/config";
import type { AnalysisThresholds, AnalysisVerdict } from "@weir/config/api";

/**
 * Rollout analysis: one verdict on the new version from a window of its traffic and the stable
 * version's over the same window. Pure and synchronous; cost is O(histogram buckets) for the
 * quantiles (a few dozen), so the controller may run it every second per rollout.
 *
 * Unlike Argo Rollouts or Flagger, which query a metrics server for one number per metric, Weir
 * gets every request's outcome and a lossless latency histogram from its agents, so success rates
 * are exact counts and p95/p99 are read from merged histograms (at most 1.6% off), never averaged.
 */

/** A version's traffic over one window. requests = successes + s5xx + errors. */
export interface WindowAggregate {
  requests: number;
  /** Answered with a status below 500 (a 4xx is the client's fault, not the version's). */
  successes: number;
  s5xx: number;
  /** Never answered (connect failure, reset, timeout). */
  errors: number;
  latency: HistogramSnapshot;
}

/** One second (or any interval) of one series as agents report it: `BackendTelemetry` fits. */
export interface TrafficSample {
  requests: StatusCounts;
  latency: HistogramSnapshot;
}

/**
 * Sums per-second samples (any number of agents, backends and seconds of one version) into a
 * window aggregate: counts added, histograms merged losslessly. O(samples × buckets).
 */
export function aggregateWindow(samples: Iterable<TrafficSample>): WindowAggregate {
  let successes = 0;
  let s5xx = 0;
  let errors = 0;
  const histograms: HistogramSnapshot[] = [];
  for (const s of samples) {
    const r = s.requests;
    successes += r["1xx"] + r["2xx"] + r["3xx"] + r["4xx"];
    s5xx += r["5xx"];
    errors += r.error;
    histograms.push(s.latency);
  }
  return { requests: successes + s5xx + errors, successes, s5xx, errors, latency: mergeHistograms(histograms) };
}

export type CheckName = "success_rate" | "p95_latency" | "p99_latency" | "success_rate_drop" | "p95_latency_ratio";

/**
 * One check, in the units an operator reads: success rate and drop as fractions (0.991, 0.01),
 * latencies in ms, the ratio as a factor. `value` is null when it could not be measured; a check
 * that could not be judged (no latency samples, too little stable traffic to compare with) is
 * `skipped` and counts as passed.
 */
export interface AnalysisCheck {
  name: CheckName;
  value: number | null;
  threshold: number;
  passed: boolean;
  skipped: boolean;
  detail: string;
}

export interface AnalysisResult {
  verdict: AnalysisVerdict;
  checks: AnalysisCheck[];
  /** One line for the rollout's message and the audit log: what failed, with the numbers. */
  reason: string;
}

export interface AnalyzeOptions {
  stable: WindowAggregate;
  canary: WindowAggregate;
  thresholds: AnalysisThresholds;
  /** Version labels for the reason ("v1's 99.9%"); default "stable" and "the new version". */
  labels?: { stable: string; canary: string };
}

/**
 * The verdict:
 * - inconclusive while the new version served fewer than `minRequests` in the window, unless its
 *   failures already make `minSuccessRate` unreachable (2 failures in the first 5 requests of a
 *   100-request minimum at 99%): then failed at once, since no outcome of the rest can pass;
 * - failed when any judged check fails (the reason lists each, with its numbers);
 * - successful otherwise.
 * Relative checks are judged only when stable served `minRequests` too (after a blue-green switch,
 * stable serves nothing: only absolute thresholds apply).
 */
export function analyze(options: AnalyzeOptions): AnalysisResult {
  const { stable, canary, thresholds: t } = options;
  const labels = options.labels ?? { stable: "stable", canary: "the new version" };
  const checks: AnalysisCheck[] = [];
  const over = `over ${count(canary.requests)} request${canary.requests === 1 ? "" : "s"}`;

  const rate = canary.requests === 0 ? null : canary.successes / canary.requests;
  const ratePassed = canary.successes >= t.minSuccessRate * canary.requests - 1e-9;
  checks.push({
    name: "success_rate",
    value: rate,
    threshold: t.minSuccessRate,
    passed: ratePassed,
    skipped: rate === null,
    detail:
      rate === null
        ? "success rate not measured: no requests"
        : `success rate ${percent(rate, t.minSuccessRate)} ${ratePassed ? "≥" : "<"} ${percent(t.minSuccessRate, rate)} minimum ${over}${failureBreakdown(canary)}`,
  });

  const canaryP95 = quantileMs(canary.latency, 0.95);
  if (t.maxP95Ms !== undefined) checks.push(latencyCheck("p95_latency", "p95", canaryP95, t.maxP95Ms));
  if (t.maxP99Ms !== undefined)
    checks.push(latencyCheck("p99_latency", "p99", quantileMs(canary.latency, 0.99), t.maxP99Ms));

  const stableJudged = stable.requests >= t.minRequests;
  const notCompared = `not compared: ${labels.stable} served ${count(stable.requests)} request${stable.requests === 1 ? "" : "s"} in the window, ${count(t.minRequests)} needed`;
  if (t.maxSuccessRateDrop !== undefined) {
    const max = t.maxSuccessRateDrop;
    if (!stableJudged || rate === null) {
      checks.push({
        name: "success_rate_drop",
        value: null,
        threshold: max,
        passed: true,
        skipped: true,
        detail: notCompared,
      });
    } else {
      const stableRate = stable.successes / stable.requests;
      const drop = stableRate - rate;
      const passed = drop <= max + 1e-9;
      checks.push({
        name: "success_rate_drop",
        value: drop,
        threshold: max,
        passed,
        skipped: false,
        detail:
          drop <= 0
            ? `success rate ${percent(rate, stableRate)} is not below ${labels.stable}'s ${percent(stableRate, rate)}`
            : `success rate ${percent(rate, stableRate)} is ${points(drop, max)} below ${labels.stable}'s ${percent(stableRate, rate)} (at most ${points(max, drop)} allowed)`,
      });
    }
  }
  if (t.maxLatencyRatio !== undefined) {
    const max = t.maxLatencyRatio;
    const stableP95 = quantileMs(stable.latency, 0.95);
    if (!stableJudged || canaryP95 === null || stableP95 === null || stableP95 <= 0) {
      checks.push({
        name: "p95_latency_ratio",
        value: null,
        threshold: max,
        passed: true,
        skipped: true,
        detail: stableJudged ? "not compared: no latency samples in the window" : notCompared,
      });
    } else {
      const ratio = canaryP95 / stableP95;
      const passed = ratio <= max + 1e-9;
      checks.push({
        name: "p95_latency_ratio",
        value: ratio,
        threshold: max,
        passed,
        skipped: false,
        detail: `p95 ${millis(canaryP95, stableP95)} is ${factor(ratio, max)} ${labels.stable}'s ${millis(stableP95, canaryP95)} (at most ${factor(max, ratio)} allowed)`,
      });
    }
  }

  if (canary.requests < t.minRequests) {
    // The best case: every request still missing from the minimum succeeds.
    const failures = canary.requests - canary.successes;
    const allowed = t.minRequests - Math.ceil(t.minSuccessRate * t.minRequests - 1e-9);
    if (failures > allowed) {
      return {
        verdict: "failed",
        checks,
        reason: `${failures} of the first ${count(canary.requests)} requests to ${labels.canary} failed: the first ${count(t.minRequests)} cannot reach the ${percent(t.minSuccessRate)} minimum success rate`,
      };
    }
    return {
      verdict: "inconclusive",
      checks,
      reason: `inconclusive: ${labels.canary} served ${count(canary.requests)} request${canary.requests === 1 ? "" : "s"} in the window, ${count(t.minRequests)} needed before judging`,
    };
  }

  const failed = checks.filter((c) => !c.passed);
  if (failed.length > 0) return { verdict: "failed", checks, reason: failed.map((c) => c.detail).join("; ") };
  const judged = checks.filter((c) => !c.skipped);
  return {
    verdict: "successful",
    checks,
    reason: `${labels.canary} passed ${judged.length === 1 ? "the check" : `all ${judged.length} checks`} ${over}: ${judged.map((c) => c.detail.replace(` ${over}`, "")).join("; ")}`,
  };
}

function latencyCheck(name: CheckName, label: string, value: number | null, max: number): AnalysisCheck {
  if (value === null) {
    return {
      name,
      value,
      threshold: max,
      passed: true,
      skipped: true,
      detail: `${label} not measured: no latency samples`,
    };
  }
  const passed = value <= max;
  return {
    name,
    value,
    threshold: max,
    passed,
    skipped: false,
    detail: `${label} ${millis(value, max)} ${passed ? "≤" : ">"} ${millis(max, value)} maximum`,
  };
}

function failureBreakdown(w: WindowAggregate): string {
  const parts: string[] = [];
  if (w.s5xx > 0) parts.push(`${count(w.s5xx)} answered 5xx`);
  if (w.errors > 0) parts.push(`${count(w.errors)} unanswered`);
  return parts.length === 0 ? "" : ` (${parts.join(", ")})`;
}

function quantileMs(h: HistogramSnapshot, q: number): number | null {
  const micros = quantile(h, q);
  return micros === undefined ? null : micros / 1000;
}

/** 1204 → "1,204"; no Intl, so the text is the same on every machine. */
function count(n: number): string {
  return String(Math.round(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

/**
 * `value` with the fewest decimals (`minDecimals` to 4, trailing zeros dropped) that still tell it
 * apart from each of `avoid`, so a reason never reads "99.0% < 99%" or shows 99.98% as "100%".
 */
function distinct(value: number, avoid: ReadonlyArray<number | undefined>, minDecimals: number): string {
  const fmt = (v: number, d: number) => {
    const s = v.toFixed(d);
    return s.includes(".") ? s.replace(/\.?0+$/, "") : s;
  };
  let d = minDecimals;
  const clashes = (digits: number) =>
    avoid.some((a) => a !== undefined && a !== value && fmt(value, digits) === fmt(a, digits));
  while (d < 4 && clashes(d)) d++;
  const s = fmt(value, d);
  const [whole, fraction] = s.split(".");
  return fraction === undefined ? count(Number(whole)) : `${count(Number(whole))}.${fraction}`;
}

function percent(rate: number, other?: number): string {
  return `${distinct(rate * 100, [other === undefined ? undefined : other * 100, 0, 100], 1)}%`;
}

function points(drop: number, other: number): string {
  const p = distinct(drop * 100, [other * 100], 1);
  return `${p} point${p === "1" ? "" : "s"}`;
}

function millis(ms: number, other: number): string {
  return `${distinct(ms, [other], ms < 10 ? 1 : 0)} ms`;
}

function factor(ratio: number, other: number): string {
  return `${distinct(ratio, [other], 1)}×`;
}
