import {
  HISTOGRAM_BUCKETS,
  type HistogramSnapshot,
  histogramBucket,
  histogramFromCounts,
  mergeHistograms,
  quantile,
  type Telemetry,
} from "@weir/config";
import { describe, expect, it } from "vitest";
import { TelemetryAggregator } from "../../src/hub/telemetry-aggregator";

function histogram(values: number[]): HistogramSnapshot {
  const counts = new Float64Array(HISTOGRAM_BUCKETS);
  for (const v of values) counts[histogramBucket(v)] = (counts[histogramBucket(v)] ?? 0) + 1;
  return histogramFromCounts(
    counts,
    values.reduce((a, b) => a + b, 0),
    Math.min(...values),
    Math.max(...values),
  );
}

const ok = (n: number, fives = 0) => ({ "1xx": 0, "2xx": n, "3xx": 0, "4xx": 0, "5xx": fives, error: 0 });

function report(
  at: number,
  backends: Array<{
    id: string;
    version: string;
    n: number;
    fives?: number;
    micros: number[];
    health?: "healthy" | "unhealthy";
  }>,
): Telemetry {
  const all = backends.flatMap((b) => b.micros);
  return {
    seq: 0,
    at,
    intervalMs: 1000,
    configVersion: 1,
    pools: [
      {
        pool: "shop",
        requests: ok(
          backends.reduce((s, b) => s + b.n, 0),
          backends.reduce((s, b) => s + (b.fives ?? 0), 0),
        ),
        retries: 0,
        active: 1,
        panic: false,
        latency: histogram(all),
      },
    ],
    backends: backends.map((b) => ({
      pool: "shop",
      backend: b.id,
      version: b.version,
      health: b.health ?? "healthy",
      reason: b.health === "unhealthy" ? "failed 3 checks: HTTP 500 from /healthz" : "",
      requests: ok(b.n, b.fives ?? 0),
      retries: 0,
      ejections: 0,
      active: 1,
      connectionsOpen: 1,
      latency: histogram(b.micros),
    })),
  };
}

describe("telemetry aggregator", () => {
  it("adds counts across agents and reads percentiles from the merged histogram, not averages", () => {
    let now = 10_000_000;
    const agg = new TelemetryAggregator({ now: () => now });
    agg.setKnownPools([
      {
        name: "shop",
        backends: [
          { id: "a", version: "v1" },
          { id: "b", version: "v2" },
        ],
      },
    ]);
    // Agent 1 fast, agent 2 slow: the true p50 of the union differs from the mean of the two p50s.
    const fast = Array.from({ length: 90 }, (_, i) => 1000 + i);
    const slow = Array.from({ length: 10 }, (_, i) => 50_000 + i * 1000);
    agg.ingest("agent-1", report(now + 1000, [{ id: "a", version: "v1", n: 90, micros: fast }]));
    agg.ingest("agent-2", report(now + 1010, [{ id: "b", version: "v2", n: 10, fives: 2, micros: slow }]));
    now += 2000;
    const { ticks } = agg.tick();
    const tick = ticks.find((t) => t.pool === "shop" && t.total.requests > 0);
    expect(ticks.map((t) => t.total.at)).toEqual([10_000_000, 10_001_000]);
    expect(tick?.total.requests).toBe(102);
    expect(tick?.total.s5xx).toBe(2);
    expect(tick?.total.errorRate).toBeCloseTo(2 / 102);
    const union = mergeHistograms([histogram(fast), histogram(slow)]);
    expect(tick?.total.p99Ms).toBeCloseTo((quantile(union, 0.99) as number) / 1000, 1);
    expect(tick?.total.p50Ms).toBeLessThan(1.2);
    expect(tick?.versions.map((v) => [v.version, v.point.requests])).toEqual([
      ["v1", 90],
      ["v2", 12],
    ]);
    expect(tick?.total.active).toBe(2);
  });

  it("places reports by the second their interval covers, whatever the agents' phase", () => {
    let now = 20_000_000;
    const agg = new TelemetryAggregator({ now: () => now });
    agg.tick();
    // Agents ticking 20 ms and 480 ms after the second both report (mostly) second S; one
    // ticking 600 ms after it reports (mostly) S+1.
    agg.ingest("x", report(now + 1020, [{ id: "a", version: "v1", n: 5, micros: [100] }]));
    agg.ingest("y", report(now + 1480, [{ id: "a", version: "v1", n: 7, micros: [100] }]));
    agg.ingest("z", report(now + 1600, [{ id: "a", version: "v1", n: 4, micros: [100] }]));
    now += 2300;
    const { ticks } = agg.tick();
    expect(ticks.map((t) => t.total.requests)).toEqual([12, 4]);
    expect(agg.history("shop").reduce((s, t) => s + t.total.requests, 0)).toBe(16);
  });

  it("shows a backend's worst state across agents with that agent's reason, and forgets a gone agent", () => {
    let now = 30_000_000;
    const agg = new TelemetryAggregator({ now: () => now });
    agg.setKnownPools([
      {
        name: "shop",
        backends: [
          { id: "a", version: "v1" },
          { id: "z", version: "v1" },
        ],
      },
    ]);
    agg.ingest("x", report(now + 1000, [{ id: "a", version: "v1", n: 1, micros: [1] }]));
    agg.ingest("y", report(now + 1000, [{ id: "a", version: "v1", n: 1, micros: [1], health: "unhealthy" }]));
    now += 2000;
    let backends = agg.tick().ticks[0]?.backends ?? [];
    expect(backends.find((b) => b.id === "a")).toMatchObject({
      health: "unhealthy",
      reason: "failed 3 checks: HTTP 500 from /healthz",
      agents: 2,
    });
    expect(backends.find((b) => b.id === "z")).toMatchObject({ health: "unknown", agents: 0 });
    expect(agg.summary()).toEqual([expect.objectContaining({ name: "shop", healthy: 0, total: 2 })]);

    agg.forgetAgent("y");
    now += 1000;
    backends = agg.tick().ticks[0]?.backends ?? [];
    expect(backends.find((b) => b.id === "a")).toMatchObject({ health: "healthy", agents: 1 });
  });

  it("hands over 10-second rollups once their bucket is over, per pool and per backend", () => {
    let now = 40_000_000; // a multiple of 10 s
    const agg = new TelemetryAggregator({ now: () => now });
    for (let i = 1; i <= 10; i++)
      agg.ingest("x", report(now + i * 1000, [{ id: "a", version: "v1", n: 3, micros: [200, 300, 400] }]));
    now += 12_000;
    expect(agg.tick().rollups).toEqual([]);
    now += 5_000;
    const rollups = agg.tick().rollups;
    const total = rollups.find((r) => r.backendId === "" && r.bucketStart === 40_000_000);
    const backend = rollups.find((r) => r.backendId === "a" && r.bucketStart === 40_000_000);
    expect(total?.acc.requests).toBe(30);
    expect(backend?.versionLabel).toBe("v1");
    expect(backend?.acc.histogram().count).toBe(30);
  });
});

describe("version windows", () => {
  it("sums one version's requests, failures and latency over the closed seconds of a window", () => {
    let now = 50_000_000;
    const agg = new TelemetryAggregator({ now: () => now });
    for (let i = 1; i <= 3; i++) {
      agg.ingest(
        "x",
        report(now + i * 1000, [
          { id: "a", version: "v1", n: 10, micros: Array.from({ length: 10 }, () => 1_000) },
          { id: "b", version: "v2", n: 10, fives: 1, micros: Array.from({ length: 10 }, () => 40_000) },
        ]),
      );
    }
    now += 4_500;
    agg.tick();
    const v2 = agg.versionWindow("shop", "v2", 50_000_000, 50_004_000);
    expect(v2).toMatchObject({ requests: 33, s5xx: 3, errors: 0, successes: 30 });
    expect(quantile(v2.latency, 0.95)).toBeGreaterThan(30_000);
    const v1 = agg.versionWindow("shop", "v1", 50_001_000, 50_004_000);
    expect(v1.requests).toBe(20);
    expect(agg.versionWindow("shop", "v3", 0, Number.MAX_SAFE_INTEGER).requests).toBe(0);
  });

  it("13.6: forgets a pool that left the config and the reports once its rollout windows have aged out", () => {
    let now = 60_000_000;
    const agg = new TelemetryAggregator({ now: () => now });
    agg.setKnownPools([{ name: "shop", backends: [{ id: "a", version: "v1" }] }]);
    agg.ingest("x", report(now + 1000, [{ id: "a", version: "v1", n: 10, micros: [1_000] }]));
    now += 2_500;
    agg.tick();
    expect(agg.history("shop").length).toBeGreaterThan(0);
    expect(agg.versionWindow("shop", "v1", 0, Number.MAX_SAFE_INTEGER).requests).toBe(10);

    // The pool is deleted: its charts go at once, its rollout windows after their 15 minutes.
    agg.setKnownPools([]);
    now += 3_000;
    agg.tick();
    expect(agg.history("shop")).toEqual([]);
    expect(agg.versionWindow("shop", "v1", 0, Number.MAX_SAFE_INTEGER).requests).toBe(10);
    now += 900_000;
    agg.tick();
    expect(agg.versionWindow("shop", "v1", 0, Number.MAX_SAFE_INTEGER).requests).toBe(0);
  });
});
