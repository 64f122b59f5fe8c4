import {
  emptyHistogram,
  HISTOGRAM_BUCKETS,
  type HistogramSnapshot,
  histogramBucket,
  histogramFromCounts,
} from "@weir/config";
import { type AnalysisThresholds, analysisThresholdsSchema } from "@weir/config/api";
import { describe, expect, it } from "vitest";
import { type AnalysisResult, aggregateWindow, analyze, type WindowAggregate } from "../../src/rollouts/analyze";

/** A histogram of `n` requests at `ms` each (plus `slow` at `slowMs`). */
function latency(n: number, ms: number, slow = 0, slowMs = ms): HistogramSnapshot {
  const counts = new Float64Array(HISTOGRAM_BUCKETS);
  counts[histogramBucket(ms * 1000)] = n;
  counts[histogramBucket(slowMs * 1000)] = (counts[histogramBucket(slowMs * 1000)] ?? 0) + slow;
  if (n + slow === 0) return emptyHistogram();
  return histogramFromCounts(counts, n * ms * 1000 + slow * slowMs * 1000, ms * 1000, Math.max(ms, slowMs) * 1000);
}

function window(
  requests: number,
  opts: { s5xx?: number; errors?: number; ms?: number; slowShare?: number; slowMs?: number } = {},
): WindowAggregate {
  const s5xx = opts.s5xx ?? 0;
  const errors = opts.errors ?? 0;
  const answered = requests - errors;
  const slow = Math.round(answered * (opts.slowShare ?? 0));
  return {
    requests,
    successes: requests - s5xx - errors,
    s5xx,
    errors,
    latency: latency(answered - slow, opts.ms ?? 20, slow, opts.slowMs ?? opts.ms ?? 20),
  };
}

const thresholds = (t: Partial<AnalysisThresholds> = {}) => analysisThresholdsSchema.parse({ minRequests: 100, ...t });
const labels = { stable: "v1", canary: "v2" };

describe("analyze", () => {
  const cases: Array<{
    name: string;
    canary: WindowAggregate;
    stable?: WindowAggregate;
    thresholds?: Partial<AnalysisThresholds>;
    verdict: AnalysisResult["verdict"];
    reason: string | RegExp;
  }> = [
    {
      name: "too few requests to judge: inconclusive, with the numbers",
      canary: window(37),
      verdict: "inconclusive",
      reason: "inconclusive: v2 served 37 requests in the window, 100 needed before judging",
    },
    {
      name: "no requests at all",
      canary: window(0),
      verdict: "inconclusive",
      reason: "inconclusive: v2 served 0 requests in the window, 100 needed before judging",
    },
    {
      name: "failures that already make the minimum unreachable fail before minRequests",
      canary: window(5, { s5xx: 2 }),
      verdict: "failed",
      reason: "2 of the first 5 requests to v2 failed: the first 100 cannot reach the 99% minimum success rate",
    },
    {
      name: "one failure in the first 5 can still reach 99% of 100: wait",
      canary: window(5, { s5xx: 1 }),
      verdict: "inconclusive",
      reason: /^inconclusive: v2 served 5 requests/,
    },
    {
      name: "success rate below the minimum (5xx and unanswered both count)",
      canary: window(1204, { s5xx: 100, errors: 6 }),
      verdict: "failed",
      reason: "success rate 91.2% < 99% minimum over 1,204 requests (100 answered 5xx, 6 unanswered)",
    },
    {
      name: "exactly at the minimum passes",
      canary: window(100, { s5xx: 1 }),
      verdict: "successful",
      reason: "v2 passed the check over 100 requests: success rate 99% ≥ 99% minimum (1 answered 5xx)",
    },
    {
      name: "just below the minimum is shown with enough decimals to differ",
      canary: window(10_000, { s5xx: 104 }),
      verdict: "failed",
      reason: "success rate 98.96% < 99% minimum over 10,000 requests (104 answered 5xx)",
    },
    {
      name: "p95 above its maximum",
      canary: window(1000, { ms: 20, slowShare: 0.1, slowMs: 400 }),
      thresholds: { maxP95Ms: 300 },
      verdict: "failed",
      reason: /^p95 (39|40)\d ms > 300 ms maximum$/,
    },
    {
      name: "p99 above its maximum while p95 passes",
      canary: window(1000, { ms: 20, slowShare: 0.02, slowMs: 900 }),
      thresholds: { maxP95Ms: 300, maxP99Ms: 500 },
      verdict: "failed",
      reason: /^p99 (8|9)\d\d ms > 500 ms maximum$/,
    },
    {
      name: "success rate dropped more than allowed against stable",
      canary: window(1000, { s5xx: 8 }),
      stable: window(5000, { s5xx: 1 }),
      thresholds: { minSuccessRate: 0.95, maxSuccessRateDrop: 0.005 },
      verdict: "failed",
      reason: "success rate 99.2% is 0.8 points below v1's 99.98% (at most 0.5 points allowed)",
    },
    {
      name: "p95 slower than stable by more than the ratio",
      canary: window(1000, { ms: 310 }),
      stable: window(1000, { ms: 148 }),
      thresholds: { maxLatencyRatio: 1.5 },
      verdict: "failed",
      reason: /^p95 31\d ms is 2\.1× v1's 14\d ms \(at most 1\.5× allowed\)$/,
    },
    {
      name: "relative checks are skipped when stable has too little traffic (after a blue-green switch)",
      canary: window(1000, { s5xx: 8, ms: 300 }),
      stable: window(12, { ms: 10 }),
      thresholds: { minSuccessRate: 0.95, maxSuccessRateDrop: 0.001, maxLatencyRatio: 1.1 },
      verdict: "successful",
      reason: "v2 passed the check over 1,000 requests: success rate 99.2% ≥ 95% minimum (8 answered 5xx)",
    },
    {
      name: "several failures are all named",
      canary: window(1000, { s5xx: 50, ms: 500 }),
      thresholds: { maxP95Ms: 300 },
      verdict: "failed",
      reason: /^success rate 95% < 99% minimum over 1,000 requests \(50 answered 5xx\); p95 \d+ ms > 300 ms maximum$/,
    },
    {
      name: "everything passes",
      canary: window(2000, { s5xx: 1, ms: 42 }),
      stable: window(8000, { s5xx: 4, ms: 40 }),
      thresholds: { maxP95Ms: 300, maxSuccessRateDrop: 0.01, maxLatencyRatio: 1.5 },
      verdict: "successful",
      reason:
        /^v2 passed all 4 checks over 2,000 requests: success rate 99.95% ≥ 99% minimum \(1 answered 5xx\); p95 4\d ms ≤ 300 ms maximum; success rate 99.95% is not below v1's 99.95%; p95 4\d ms is 1(\.\d+)?× v1's/,
    },
  ];

  it.each(cases)("$name", (c) => {
    const result = analyze({
      canary: c.canary,
      stable: c.stable ?? window(0),
      thresholds: thresholds(c.thresholds),
      labels,
    });
    expect(result.verdict).toBe(c.verdict);
    if (typeof c.reason === "string") expect(result.reason).toBe(c.reason);
    else expect(result.reason).toMatch(c.reason);
  });

  it("reports every check with value and threshold, for the charts", () => {
    const result = analyze({
      canary: window(1000, { s5xx: 8, ms: 100 }),
      stable: window(12),
      thresholds: thresholds({ maxP95Ms: 300, maxSuccessRateDrop: 0.01 }),
      labels,
    });
    expect(result.checks.map((c) => [c.name, c.threshold, c.passed, c.skipped])).toEqual([
      ["success_rate", 0.99, true, false],
      ["p95_latency", 300, true, false],
      ["success_rate_drop", 0.01, true, true],
    ]);
    expect(result.checks[0]?.value).toBeCloseTo(0.992);
    expect(result.checks[1]?.value).toBeCloseTo(100, -1);
    expect(result.checks[2]?.detail).toBe("not compared: v1 served 12 requests in the window, 100 needed");
  });

  it("skips a latency check with no latency samples (every request unanswered) and fails on success rate", () => {
    const result = analyze({
      canary: { requests: 200, successes: 0, s5xx: 0, errors: 200, latency: emptyHistogram() },
      stable: window(0),
      thresholds: thresholds({ maxP95Ms: 300 }),
      labels,
    });
    expect(result.verdict).toBe("failed");
    expect(result.checks[1]).toMatchObject({ name: "p95_latency", value: null, skipped: true, passed: true });
    expect(result.reason).toBe("success rate 0% < 99% minimum over 200 requests (200 unanswered)");
  });
});

describe("aggregateWindow", () => {
  it("adds per-second samples from several agents and merges their histograms losslessly", () => {
    const sample = (ok: number, fourxx: number, fives: number, errors: number, ms: number) => ({
      requests: { "1xx": 0, "2xx": ok, "3xx": 1, "4xx": fourxx, "5xx": fives, error: errors },
      latency: latency(ok + fourxx + fives + 1, ms),
    });
    const w = aggregateWindow([sample(100, 5, 2, 1, 10), sample(50, 0, 3, 0, 30)]);
    expect(w).toMatchObject({ requests: 163, successes: 157, s5xx: 5, errors: 1 });
    expect(w.latency.count).toBe(162);
    expect(w.latency.minMicros).toBe(10_000);
    expect(w.latency.maxMicros).toBe(30_000);
  });

  it("is empty for no samples", () => {
    expect(aggregateWindow([])).toEqual({ requests: 0, successes: 0, s5xx: 0, errors: 0, latency: emptyHistogram() });
  });
});
