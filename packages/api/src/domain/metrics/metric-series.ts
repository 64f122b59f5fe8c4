import { type HistogramSnapshot, histogramSnapshotSchema, mergeHistograms, quantile } from "@weir/config";
import type { Db } from "@weir/db";
import { apiError } from "../../errors";

const MAX_POINTS = 2000;

/**
 * A pool's (or one backend's) traffic over [from, to] at `resolution` seconds per point, from the
 * stored 10-second rollups, or the 5-minute ones where the 10-second rows have expired. Coarser points sum the counts and merge the latency histograms, so
 * their percentiles are true percentiles, not averages of percentiles.
 */
export async function metricSeries(options: {
  db: Db;
  poolId: string;
  backendId?: string | undefined;
  from: string;
  to: string;
  resolution: number;
}) {
  const from = new Date(options.from);
  const to = new Date(options.to);
  if (to <= from) throw apiError("WEIR_E_INVALID_INPUT", "to: must be after from", { field: "to" });
  const points = (to.getTime() - from.getTime()) / 1000 / options.resolution;
  if (points > MAX_POINTS) {
    throw apiError(
      "WEIR_E_INVALID_INPUT",
      `resolution: ${Math.ceil(points)} points asked, at most ${MAX_POINTS}; use a coarser resolution`,
      {
        field: "resolution",
      },
    );
  }
  const rows = await options.db.metricRollup.findMany({
    where: {
      poolId: options.poolId,
      backendId: options.backendId ?? "",
      resolutionSec: { in: [10, 300] },
      bucketStart: { gte: from, lte: to },
    },
    orderBy: { bucketStart: "asc" },
  });
  const buckets = new Map<number, typeof rows>();
  const step = options.resolution * 1000;
  for (const row of rows) {
    const at = Math.floor(row.bucketStart.getTime() / step) * step;
    const bucket = buckets.get(at) ?? [];
    bucket.push(row);
    buckets.set(at, bucket);
  }
  return [...buckets.entries()].map(([at, all]) => {
    // 10-second rows where they still exist; past their retention, the 5-minute rows made from them.
    const fine = all.filter((row) => row.resolutionSec === 10);
    const group = fine.length > 0 ? fine : all;
    const histograms = group.flatMap((row) => {
      const parsed = histogramSnapshotSchema.safeParse(row.latency);
      return parsed.success ? [parsed.data as HistogramSnapshot] : [];
    });
    const merged = histograms.length > 0 ? mergeHistograms(histograms) : undefined;
    const ms = (q: number) => {
      const micros = merged ? quantile(merged, q) : undefined;
      return micros === undefined ? null : micros / 1000;
    };
    const sum = (key: "requests" | "status2xx" | "status3xx" | "status4xx" | "status5xx" | "retries") =>
      group.reduce((total, row) => total + row[key], 0);
    return {
      at: new Date(at).toISOString(),
      requests: sum("requests"),
      status2xx: sum("status2xx"),
      status3xx: sum("status3xx"),
      status4xx: sum("status4xx"),
      status5xx: sum("status5xx"),
      retries: sum("retries"),
      p50Ms: ms(0.5),
      p95Ms: ms(0.95),
      p99Ms: ms(0.99),
    };
  });
}
