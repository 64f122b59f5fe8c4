import { HISTOGRAM_BUCKETS, histogramBucket, histogramFromCounts, quantile } from "@weir/config";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compactAndExpire, writeRollups } from "../../src/hub/rollup-store";
import { SeriesAccumulator } from "../../src/hub/series-accumulator";
import type { RollupBucket } from "../../src/hub/telemetry-aggregator";
import { startTestApi, type TestApi } from "../support";

let api: TestApi;
let poolId: string;
beforeAll(async () => {
  api = await startTestApi();
  poolId = (await api.as("operator").pools.create({ name: "metered" })).item.id;
});
afterAll(() => api.close());

function bucket(at: number, micros: number[], backendId = ""): RollupBucket {
  const acc = new SeriesAccumulator();
  const counts = new Float64Array(HISTOGRAM_BUCKETS);
  for (const m of micros) counts[histogramBucket(m)] = (counts[histogramBucket(m)] ?? 0) + 1;
  acc.add(
    { "1xx": 0, "2xx": micros.length - 1, "3xx": 0, "4xx": 0, "5xx": 1, error: 0 },
    2,
    histogramFromCounts(
      counts,
      micros.reduce((a, b) => a + b, 0),
      Math.min(...micros),
      Math.max(...micros),
    ),
  );
  return { bucketStart: at, resolutionSec: 10, pool: "metered", backendId, versionLabel: "", acc };
}

describe("metric rollups", () => {
  it("merges two writers' rows for one bucket, and the series reads true percentiles from them", async () => {
    const at = Date.UTC(2026, 0, 1, 12, 0, 0);
    const fast = Array.from({ length: 99 }, () => 1_000);
    const slow = [900_000];
    // Two control-plane replicas, each with its own agents, write the same 10-second bucket.
    await writeRollups(api.db, [bucket(at, fast)]);
    await writeRollups(api.db, [bucket(at, slow), bucket(at + 10_000, [2_000, 2_000])]);
    const rows = await api.db.metricRollup.findMany({
      where: { poolId, resolutionSec: 10 },
      orderBy: { bucketStart: "asc" },
    });
    expect(rows.map((r) => [r.requests, r.status5xx, r.retries])).toEqual([
      [100, 2, 4],
      [2, 1, 2],
    ]);
    expect(rows[0]?.p99Ms).toBeCloseTo(1, 0);

    const series = await api.as("viewer").metrics.series({
      poolId,
      from: new Date(at).toISOString(),
      to: new Date(at + 20_000).toISOString(),
      resolution: 60,
    });
    expect(series).toHaveLength(1);
    expect(series[0]).toMatchObject({ requests: 102, status5xx: 3 });
    expect(series[0]?.p50Ms).toBeCloseTo(1, 1);
  });

  it("folds 10-second rows into 5-minute rows, expires old ones, and series fall back to the coarse rows", async () => {
    const now = Date.UTC(2026, 0, 2, 12, 0, 0);
    const windowStart = now - 10 * 60_000;
    const tenSecond = Array.from({ length: 30 }, (_, i) => bucket(windowStart + i * 10_000, [500, 5_000]));
    await writeRollups(api.db, tenSecond);
    const { compacted } = await compactAndExpire(api.db, {
      now: new Date(now),
      retention: { rawMs: 60_000, coarseMs: 3600_000 },
    });
    expect(compacted).toBeGreaterThan(0);
    const coarse = await api.db.metricRollup.findMany({
      where: { poolId, resolutionSec: 300, bucketStart: { gte: new Date(windowStart) } },
    });
    expect(coarse.reduce((n, r) => n + r.requests, 0)).toBe(60);
    // The 10-second rows of the window are past their one-minute retention.
    expect(
      await api.db.metricRollup.count({
        where: { poolId, resolutionSec: 10, bucketStart: { gte: new Date(windowStart) } },
      }),
    ).toBe(0);
    const series = await api.as("viewer").metrics.series({
      poolId,
      from: new Date(windowStart).toISOString(),
      to: new Date(now).toISOString(),
      resolution: 300,
    });
    expect(series.reduce((n, p) => n + p.requests, 0)).toBe(60);
    const merged = coarse[0]?.latency as never;
    expect(quantile(merged, 0.99)).toBeGreaterThan(4_000);
    // Running it again changes nothing.
    await compactAndExpire(api.db, { now: new Date(now), retention: { rawMs: 60_000, coarseMs: 3600_000 } });
    expect(
      (
        await api.db.metricRollup.findMany({
          where: { poolId, resolutionSec: 300, bucketStart: { gte: new Date(windowStart) } },
        })
      ).reduce((n, r) => n + r.requests, 0),
    ).toBe(60);
  });

  it("folds again only the last few windows, and a row that came late reaches its window", async () => {
    const now = Date.UTC(2026, 0, 3, 12, 0, 0);
    const first = now - 65 * 60_000;
    // Two backends, one 10-second row each, every 10 s.
    const rows = (from: number, n: number) =>
      Array.from({ length: n }, (_, i) => [
        bucket(from + i * 10_000, [500], "b1"),
        bucket(from + i * 10_000, [700], "b2"),
      ]).flat();
    await writeRollups(api.db, rows(first, 12 * 30));
    const retention = { rawMs: 24 * 3600_000, coarseMs: 7 * 24 * 3600_000 };
    // Twelve complete windows, 10:55 to 11:55.
    expect((await compactAndExpire(api.db, { now: new Date(now), retention })).compacted).toBe(24);

    // A row for a folded window arrives late; five minutes on, the next window is complete.
    const lateWindow = now - 15 * 60_000;
    await writeRollups(api.db, [bucket(lateWindow + 20_000, [900], "b1")]);
    await writeRollups(api.db, rows(now - 5 * 60_000, 30));
    const later = await compactAndExpire(api.db, { now: new Date(now + 5 * 60_000), retention });
    // The newest folded window, the two before it, and the new one; not two hours' worth.
    expect(later.compacted).toBe(8);
    const coarse = await api.db.metricRollup.findMany({
      where: { poolId, resolutionSec: 300, bucketStart: { gte: new Date(first) } },
    });
    expect(coarse).toHaveLength(26);
    expect(coarse.reduce((n, r) => n + r.requests, 0)).toBe(13 * 30 * 2 + 1);
    const late = coarse.find((r) => r.backendId === "b1" && r.bucketStart.getTime() === lateWindow);
    expect(late?.requests).toBe(31);
  });

  it("does not fold again a window whose oldest 10-second rows have expired", async () => {
    const now = Date.UTC(2026, 0, 4, 12, 0, 0);
    const first = now - 20 * 60_000;
    await writeRollups(
      api.db,
      Array.from({ length: 90 }, (_, i) => bucket(first + i * 10_000, [500], "b9")),
    );
    const long = { rawMs: 24 * 3600_000, coarseMs: 7 * 24 * 3600_000 };
    expect((await compactAndExpire(api.db, { now: new Date(now), retention: long })).compacted).toBe(3);
    // Raw rows kept 17 minutes: the first run expires those before 11:43, in the middle of the
    // 11:40 window; the second must not fold that window again from what is left of it.
    const short = { rawMs: 17 * 60_000, coarseMs: long.coarseMs };
    await compactAndExpire(api.db, { now: new Date(now), retention: short });
    await compactAndExpire(api.db, { now: new Date(now), retention: short });
    const coarse = await api.db.metricRollup.findMany({
      where: { poolId, backendId: "b9", resolutionSec: 300 },
      orderBy: { bucketStart: "asc" },
    });
    expect(coarse.map((r) => r.requests)).toEqual([30, 30, 30]);
  });
});
