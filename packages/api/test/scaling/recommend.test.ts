import { scalingMetricsSchema, scalingPoliciesSchema } from "@weir/config/api";
import { describe, expect, it } from "vitest";
import {
  type RecommendInput,
  recommend,
  recordScaleEvent,
  type ScaleEvent,
  type ScalingBehavior,
  splitByTrafficShare,
  type TimestampedRecommendation,
} from "../../src/scaling/recommend";

const S = 1000;
const T0 = 1_700_000_000_000;

/** A rule with the HPA's defaults, through the real schemas (so defaults are what operators get). */
function rule(
  overrides: Partial<Omit<ScalingBehavior, "policies" | "metrics">> & { policies?: unknown; metrics?: unknown } = {},
): ScalingBehavior {
  return {
    minBackends: 1,
    maxBackends: 100,
    tolerance: 0.1,
    scaleUpWindowSec: 0,
    scaleDownWindowSec: 0,
    missingMetrics: "hold",
    fallbackBackends: null,
    ...Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined)),
    metrics: scalingMetricsSchema.parse(overrides.metrics ?? [{ type: "rps_per_backend", target: 100 }]),
    policies: scalingPoliciesSchema.parse(overrides.policies ?? {}),
  };
}

function input(partial: Partial<RecommendInput> & Pick<RecommendInput, "current" | "values">): RecommendInput {
  return { rule: rule(), history: [], events: [], now: T0, ...partial };
}

describe("recommend: the proportional formula and tolerance (HPA algorithm details)", () => {
  // Kubernetes docs: "if the current metric value is 200m, and the desired value is 100m, the number
  // of replicas will be doubled ... If the current value is instead 50m, you'll halve the number of
  // replicas ... skips any scaling action if the ratio is sufficiently close to 1.0 (0.1 by default)."
  const cases: Array<{
    name: string;
    current: number;
    ready?: number;
    values: RecommendInput["values"];
    metrics?: unknown;
    tolerance?: number;
    desired: number;
    limitedBy: string | null;
  }> = [
    {
      name: "value twice the target doubles",
      current: 4,
      values: { rps_per_backend: 200 },
      desired: 8,
      limitedBy: null,
    },
    { name: "value half the target halves", current: 4, values: { rps_per_backend: 50 }, desired: 2, limitedBy: null },
    {
      name: "ceil rounds up a fraction of a backend",
      current: 3,
      values: { rps_per_backend: 150 },
      desired: 5,
      limitedBy: null,
    },
    { name: "within +10% holds", current: 4, values: { rps_per_backend: 110 }, desired: 4, limitedBy: "tolerance" },
    { name: "within -10% holds", current: 4, values: { rps_per_backend: 90 }, desired: 4, limitedBy: "tolerance" },
    { name: "just outside +10% scales", current: 10, values: { rps_per_backend: 111 }, desired: 12, limitedBy: null },
    {
      name: "tolerance 0 scales on any change",
      current: 10,
      values: { rps_per_backend: 105 },
      tolerance: 0,
      desired: 11,
      limitedBy: null,
    },
    {
      name: "10 × 110 / 100 is 11, not 12 (no float noise)",
      current: 10,
      values: { rps_per_backend: 110 },
      tolerance: 0,
      desired: 11,
      limitedBy: null,
    },
    {
      name: "the largest recommendation across metrics wins",
      current: 4,
      values: { rps_per_backend: 50, p95_latency_ms: 300 },
      metrics: [
        { type: "rps_per_backend", target: 100 },
        { type: "p95_latency_ms", target: 200 },
      ],
      desired: 6,
      limitedBy: null,
    },
    {
      name: "one metric within tolerance keeps the count against another that says down",
      current: 4,
      values: { rps_per_backend: 20, connections_per_backend: 10.5 },
      metrics: [
        { type: "rps_per_backend", target: 100 },
        { type: "connections_per_backend", target: 10 },
      ],
      desired: 4,
      limitedBy: "tolerance",
    },
    {
      name: "error rate uses the same formula on the pool value",
      current: 2,
      values: { error_rate: 0.02 },
      metrics: [{ type: "error_rate", target: 0.01 }],
      desired: 4,
      limitedBy: null,
    },
    {
      name: "per-backend average over ready backends: 2 ready of 4 at 300 vs 100 → 6",
      current: 4,
      ready: 2,
      values: { rps_per_backend: 300 },
      desired: 6,
      limitedBy: null,
    },
    {
      name: "backends still starting count as idle: no second scale-up while they warm up",
      current: 4,
      ready: 2,
      values: { rps_per_backend: 200 },
      desired: 4,
      limitedBy: "tolerance",
    },
    {
      name: "latency above target never recommends fewer backends, even with few ready",
      current: 4,
      ready: 1,
      values: { p95_latency_ms: 300 },
      metrics: [{ type: "p95_latency_ms", target: 200 }],
      desired: 4,
      limitedBy: null,
    },
    {
      name: "a huge value meets the rate policy before max",
      current: 4,
      values: { rps_per_backend: 10_000 },
      desired: 8,
      limitedBy: "rate_policy",
    },
    {
      name: "no load at all goes down to min",
      current: 4,
      values: { rps_per_backend: 0 },
      desired: 1,
      limitedBy: "min",
    },
  ];

  it.each(cases)("$name", ({ current, ready, values, metrics, tolerance, desired, limitedBy }) => {
    const r = recommend(input({ rule: rule({ metrics, tolerance }), current, ready, values }));
    expect(r.desired).toBe(desired);
    expect(r.limitedBy).toBe(limitedBy);
    expect(r.action).toBe(desired > current ? "scale_up" : desired < current ? "scale_down" : "none");
    expect(r.reason).not.toBe("");
  });

  it("names the metric that drove the decision and each step that held it back", () => {
    const r = recommend(input({ current: 2, values: { rps_per_backend: 1000 } }));
    // 2 → 20 wanted; default policies allow max(2 + 4, 2 × 2) = 6.
    expect(r.recommended).toBe(20);
    expect(r.desired).toBe(6);
    expect(r.limitedBy).toBe("rate_policy");
    expect(r.reason).toBe(
      "rps_per_backend 1000 req/s vs target 100 req/s → 20: scale up 2 → 6, limited by the scale-up policy (the most of 4 backends per 15 s, 100% per 15 s)",
    );
    expect(r.metrics).toEqual([
      {
        type: "rps_per_backend",
        target: 100,
        value: 1000,
        ratio: 10,
        recommended: 20,
        withinTolerance: false,
        fallback: false,
      },
    ]);
  });

  it("a current count outside [min, max] goes to the bound without reading metrics", () => {
    const above = recommend(input({ rule: rule({ maxBackends: 5 }), current: 8, values: { rps_per_backend: 500 } }));
    expect(above).toMatchObject({ desired: 5, action: "scale_down", limitedBy: "max" });
    const none = recommend(input({ rule: rule({ minBackends: 2 }), current: 0, values: {} }));
    expect(none).toMatchObject({ desired: 2, action: "scale_up", limitedBy: "min" });
  });
});

describe("recommend: stabilization windows", () => {
  it("scale-down uses the highest recommendation within the window (KEP 853's example)", () => {
    // behavior.scaleDown: { stabilizationWindowSeconds: 600, policies: [{ Pods, 5, 600 }] }, one
    // evaluation a minute. Recommendations [10, 9, 8, 9, 9, 8, 9, 8, 9], then 8: the largest, 10,
    // keeps 10 replicas; a minute later the 10 has left the window and 9 is the largest.
    const r0 = rule({
      scaleDownWindowSec: 600,
      policies: { down: [{ type: "backends", value: 5, periodSec: 600 }] },
    });
    const recs = [10, 9, 8, 9, 9, 8, 9, 8, 9];
    // Started at minute 1 so the 10 is 10 minutes old at minute 11 (the cut-off is exclusive).
    let history: TimestampedRecommendation[] = recs.map((n, i) => ({ at: T0 + (i + 1) * 60 * S, recommendation: n }));
    // rps such that ceil(10 × v / 100) is the wanted recommendation: v = 10 × n.
    const at10 = recommend({
      rule: r0,
      current: 10,
      values: { rps_per_backend: 80 },
      history,
      events: [],
      now: T0 + 10 * 60 * S,
    });
    expect(at10.recommended).toBe(8);
    expect(at10).toMatchObject({ desired: 10, limitedBy: "stabilization_window", action: "none" });
    expect(at10.reason).toContain("held by the 600 s scale-down window (highest recent recommendation 10)");
    history = at10.history;
    const at11 = recommend({
      rule: r0,
      current: 10,
      values: { rps_per_backend: 70 },
      history,
      events: [],
      now: T0 + 11 * 60 * S,
    });
    expect(at11.recommended).toBe(7);
    expect(at11).toMatchObject({ desired: 9, limitedBy: "stabilization_window", action: "scale_down" });
  });

  it("scale-up uses the lowest recommendation within its window", () => {
    const r0 = rule({ scaleUpWindowSec: 60 });
    const history = [
      { at: T0 - 50 * S, recommendation: 4 },
      { at: T0 - 30 * S, recommendation: 6 },
    ];
    const r = recommend({ rule: r0, current: 3, values: { rps_per_backend: 300 }, history, events: [], now: T0 });
    expect(r.recommended).toBe(9);
    expect(r).toMatchObject({ desired: 4, limitedBy: "stabilization_window" });
    // Once the 4 is older than the window, the lowest in it is 6.
    const later = recommend({
      rule: r0,
      current: 4,
      values: { rps_per_backend: 225 },
      history: r.history,
      events: [],
      now: T0 + 11 * S,
    });
    expect(later.recommended).toBe(9);
    expect(later.desired).toBe(6);
  });

  it("a first evaluation (no history) starts the window at the current count, so it does not scale down at once", () => {
    const r0 = rule({ scaleDownWindowSec: 300 });
    const first = recommend({
      rule: r0,
      current: 6,
      values: { rps_per_backend: 10 },
      history: undefined,
      events: [],
      now: T0,
    });
    expect(first).toMatchObject({ desired: 6, limitedBy: "stabilization_window" });
    expect(first.history).toEqual([
      { at: T0, recommendation: 6 },
      { at: T0, recommendation: 1 },
    ]);
    const after = recommend({
      rule: r0,
      current: 6,
      values: { rps_per_backend: 10 },
      history: first.history,
      events: [],
      now: T0 + 301 * S,
    });
    expect(after.desired).toBe(1);
    expect(after.history).toEqual([{ at: T0 + 301 * S, recommendation: 1 }]);
  });

  it("a metric oscillating around its target does not flap the pool (scale events over 10 minutes)", () => {
    // 400 req/s ± 15%, target 100 per backend, 10% tolerance, the default 300 s scale-down window.
    const r0 = rule({ scaleDownWindowSec: 300 });
    let current = 4;
    let history: TimestampedRecommendation[] | undefined;
    let events: ScaleEvent[] = [];
    let scales = 0;
    for (let tick = 0; tick < 40; tick++) {
      const now = T0 + tick * 15 * S;
      const total = tick % 2 === 0 ? 460 : 340;
      const r = recommend({ rule: r0, current, values: { rps_per_backend: total / current }, history, events, now });
      history = r.history;
      if (r.desired !== current) {
        scales++;
        events = recordScaleEvent(events, { at: now, from: current, to: r.desired }, r0.policies);
        current = r.desired;
      }
    }
    expect(scales).toBe(1);
    expect(current).toBe(5);
  });
});

describe("recommend: rate policies (HPA behavior)", () => {
  it("scale-up by default: at most 4 backends or 100% per 15 s, whichever is more", () => {
    const r0 = rule();
    const big = { rps_per_backend: 10_000 };
    // 1 → max(1 + 4, 2) = 5.
    const a = recommend({ rule: r0, current: 1, values: big, history: [], events: [], now: T0 });
    expect(a.desired).toBe(5);
    let events = recordScaleEvent([], { at: T0, from: 1, to: 5 }, r0.policies);
    // 5 s later the period still holds the +4: its start count is 1, so the limit is still 5.
    const b = recommend({ rule: r0, current: 5, values: big, history: a.history, events, now: T0 + 5 * S });
    expect(b).toMatchObject({ desired: 5, limitedBy: "rate_policy", action: "none" });
    // After 15 s, from 5: max(5 + 4, 10) = 10 (100% wins above 4 backends).
    const c = recommend({ rule: r0, current: 5, values: big, history: b.history, events, now: T0 + 15 * S });
    expect(c.desired).toBe(10);
    events = recordScaleEvent(events, { at: T0 + 15 * S, from: 5, to: 10 }, r0.policies);
    expect(events).toEqual([{ at: T0 + 15 * S, from: 5, to: 10 }]);
  });

  it("scale-down policies: 4 pods or 10% per 60 s; 80 → 72 → 64 (the docs' example)", () => {
    const r0 = rule({
      minBackends: 1,
      policies: {
        down: [
          { type: "backends", value: 4, periodSec: 60 },
          { type: "percent", value: 10, periodSec: 60 },
        ],
      },
    });
    const low = (n: number) => ({ rps_per_backend: (10 * 100) / n }); // wants 10
    const a = recommend({ rule: r0, current: 80, values: low(80), history: [], events: [], now: T0 });
    expect(a.desired).toBe(72);
    const events = recordScaleEvent([], { at: T0, from: 80, to: 72 }, r0.policies);
    const b = recommend({ rule: r0, current: 72, values: low(72), history: a.history, events, now: T0 + 30 * S });
    expect(b).toMatchObject({ desired: 72, limitedBy: "rate_policy" });
    // "10% of 72 is 7.2 but the number is rounded up to 8."
    const c = recommend({ rule: r0, current: 72, values: low(72), history: b.history, events, now: T0 + 61 * S });
    expect(c.desired).toBe(64);
    // Below 40 backends the 4-backend policy allows more than 10%.
    const d = recommend({ rule: r0, current: 30, values: low(30), history: [], events: [], now: T0 });
    expect(d.desired).toBe(26);
  });

  it("selectPolicy min picks the policy that changes the least (10% or 5 per minute)", () => {
    const r0 = rule({
      policies: {
        down: [
          { type: "percent", value: 10, periodSec: 60 },
          { type: "backends", value: 5, periodSec: 60 },
        ],
        selectPolicy: { down: "min" },
      },
    });
    const values = { rps_per_backend: 1 };
    expect(recommend({ rule: r0, current: 100, values, history: [], events: [], now: T0 }).desired).toBe(95);
    expect(recommend({ rule: r0, current: 30, values, history: [], events: [], now: T0 }).desired).toBe(27);
  });

  it("selectPolicy disabled forbids that direction only", () => {
    const r0 = rule({ policies: { selectPolicy: { up: "max", down: "disabled" } } });
    const down = recommend({ rule: r0, current: 8, values: { rps_per_backend: 10 }, history: [], events: [], now: T0 });
    expect(down).toMatchObject({ desired: 8, limitedBy: "rate_policy", action: "none" });
    expect(down.reason).toContain("scaling down is disabled");
    const up = recommend({ rule: r0, current: 8, values: { rps_per_backend: 200 }, history: [], events: [], now: T0 });
    expect(up.desired).toBe(16);
  });

  it("scale-up limits count what was removed in the period too", () => {
    // Scaled 10 → 6 ten seconds ago: the period started at 10, so up to 10 + 4 = 14 is allowed now.
    const r0 = rule({ policies: { up: [{ type: "backends", value: 4, periodSec: 60 }] } });
    const events = [{ at: T0 - 10 * S, from: 10, to: 6 }];
    const r = recommend({ rule: r0, current: 6, values: { rps_per_backend: 1000 }, history: [], events, now: T0 });
    expect(r.desired).toBe(14);
  });

  it("max caps before the policy when the policy would allow more", () => {
    const r0 = rule({ maxBackends: 5 });
    const r = recommend({ rule: r0, current: 3, values: { rps_per_backend: 1000 }, history: [], events: [], now: T0 });
    expect(r).toMatchObject({ desired: 5, limitedBy: "max" });
    expect(r.reason).toContain("capped at maxBackends 5");
  });
});

describe("recommend: missing metrics", () => {
  const cases: Array<{
    name: string;
    missingMetrics: ScalingBehavior["missingMetrics"];
    fallbackBackends?: number;
    values: RecommendInput["values"];
    desired: number;
    action: string;
    recorded: boolean;
  }> = [
    { name: "hold keeps the count", missingMetrics: "hold", values: {}, desired: 4, action: "hold", recorded: false },
    {
      name: "hold: the metric that is present may scale up",
      missingMetrics: "hold",
      values: { rps_per_backend: 200 },
      desired: 8,
      action: "scale_up",
      recorded: true,
    },
    {
      name: "hold: the metric that is present may not scale down",
      missingMetrics: "hold",
      values: { rps_per_backend: 20 },
      desired: 4,
      action: "hold",
      recorded: false,
    },
    {
      name: "scale_to_max",
      missingMetrics: "scale_to_max",
      values: {},
      desired: 8,
      action: "scale_up",
      recorded: true,
    },
    {
      name: "scale_to_min",
      missingMetrics: "scale_to_min",
      values: {},
      desired: 2,
      action: "scale_down",
      recorded: true,
    },
    {
      name: "fallback_count (KEDA's fallback.replicas)",
      missingMetrics: "fallback_count",
      fallbackBackends: 6,
      values: {},
      desired: 6,
      action: "scale_up",
      recorded: true,
    },
    {
      name: "fallback_count: a missing metric votes for the fallback; the largest still wins",
      missingMetrics: "fallback_count",
      fallbackBackends: 3,
      values: { rps_per_backend: 200 },
      desired: 8,
      action: "scale_up",
      recorded: true,
    },
    {
      name: "NaN and negative values count as missing",
      missingMetrics: "scale_to_max",
      values: { rps_per_backend: Number.NaN, p95_latency_ms: -1 },
      desired: 8,
      action: "scale_up",
      recorded: true,
    },
  ];

  it.each(cases)("$name", ({ missingMetrics, fallbackBackends, values, desired, action, recorded }) => {
    const r0 = rule({
      minBackends: 2,
      maxBackends: 8,
      missingMetrics,
      fallbackBackends: fallbackBackends ?? null,
      metrics: [
        { type: "rps_per_backend", target: 100 },
        { type: "p95_latency_ms", target: 200 },
      ],
    });
    const history = [{ at: T0 - S, recommendation: 4 }];
    const r = recommend({ rule: r0, current: 4, values, history, events: [], now: T0 });
    expect(r.desired).toBe(desired);
    expect(r.action).toBe(action);
    expect(r.recommended === null).toBe(!recorded);
    if (action === "hold") {
      expect(r.limitedBy).toBe("missing_metrics");
      expect(r.reason).toMatch(/^no value for .*: hold at 4/);
    }
  });

  it("hold leaves the recommendation history as it was", () => {
    const r0 = rule({ scaleDownWindowSec: 300 });
    const history = [{ at: T0 - 60 * S, recommendation: 6 }];
    const r = recommend({ rule: r0, current: 6, values: {}, history, events: [], now: T0 });
    expect(r).toMatchObject({ action: "hold", desired: 6, recommended: null });
    expect(r.history).toEqual(history);
  });

  it("a fallback goes through the scale-down window like any recommendation", () => {
    const r0 = rule({ minBackends: 2, missingMetrics: "scale_to_min", scaleDownWindowSec: 300 });
    const history = [{ at: T0 - 60 * S, recommendation: 6 }];
    const r = recommend({ rule: r0, current: 6, values: {}, history, events: [], now: T0 });
    expect(r).toMatchObject({ recommended: 2, desired: 6, limitedBy: "stabilization_window" });
    expect(r.metrics[0]).toMatchObject({ value: null, recommended: 2, fallback: true });
  });
});

describe("splitByTrafficShare", () => {
  const cases: Array<{ name: string; total: number; shares: Array<[string, number]>; want: number[] }> = [
    { name: "one version takes all", total: 5, shares: [["v1", 100]], want: [5] },
    {
      name: "80/20 of 10",
      total: 10,
      shares: [
        ["v1", 80],
        ["v2", 20],
      ],
      want: [8, 2],
    },
    {
      name: "a 5% canary still gets one",
      total: 10,
      shares: [
        ["v1", 95],
        ["v2", 5],
      ],
      want: [9, 1],
    },
    {
      name: "a 1% canary of 3 takes one from stable",
      total: 3,
      shares: [
        ["v1", 99],
        ["v2", 1],
      ],
      want: [2, 1],
    },
    {
      name: "largest remainder: 1/3 each of 10",
      total: 10,
      shares: [
        ["a", 1],
        ["b", 1],
        ["c", 1],
      ],
      want: [4, 3, 3],
    },
    {
      name: "fractions work as shares",
      total: 7,
      shares: [
        ["v1", 0.5],
        ["v2", 0.5],
      ],
      want: [4, 3],
    },
    {
      name: "share 0 gets none",
      total: 4,
      shares: [
        ["v1", 100],
        ["v2", 0],
      ],
      want: [4, 0],
    },
    {
      name: "fewer backends than serving versions: one each",
      total: 1,
      shares: [
        ["v1", 90],
        ["v2", 10],
      ],
      want: [1, 1],
    },
    { name: "no traffic at all: none", total: 4, shares: [["v1", 0]], want: [0] },
    {
      name: "blue-green switched: all on the new",
      total: 6,
      shares: [
        ["blue", 0],
        ["green", 100],
      ],
      want: [0, 6],
    },
  ];
  it.each(cases)("$name", ({ total, shares, want }) => {
    const got = splitByTrafficShare(
      total,
      shares.map(([version, share]) => ({ version, share })),
    );
    expect(got.map((g) => g.desired)).toEqual(want);
    expect(got.map((g) => g.version)).toEqual(shares.map(([v]) => v));
  });

  it("sums to the total whenever the total covers every serving version", () => {
    for (let total = 2; total <= 40; total++) {
      for (const canary of [1, 5, 10, 25, 33, 50, 75, 99]) {
        const got = splitByTrafficShare(total, [
          { version: "stable", share: 100 - canary },
          { version: "canary", share: canary },
        ]);
        expect(got.reduce((a, g) => a + g.desired, 0)).toBe(total);
        expect(got.every((g) => g.desired >= 1)).toBe(true);
      }
    }
  });
});
