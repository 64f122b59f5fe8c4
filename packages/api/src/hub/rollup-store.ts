import { type HistogramSnapshot, histogramSnapshotSchema, mergeHistograms, quantile } from "@weir/config";
import type { Db } from "@weir/db";
import type { RollupBucket } from "./telemetry-aggregator";

/** Coarse rollups: 10-second rows are merged into these once their window is complete. */
export const COARSE_SECONDS = 300;

export interface RetentionPolicy {
  /** Keep 10-second rollups this long (default a day). */
  rawMs: number;
  /** Keep 5-minute rollups this long (default a week). */
  coarseMs: number;
}

export const DEFAULT_RETENTION: RetentionPolicy = { rawMs: 24 * 3600_000, coarseMs: 7 * 24 * 3600_000 };

const ms = (micros: number | undefined) => (micros === undefined ? null : micros / 1000);

interface RowValues {
  requests: number;
  status1xx: number;
  status2xx: number;
  status3xx: number;
  status4xx: number;
  status5xx: number;
  retries: number;
  ejections: number;
  activeConnections: number;
  latency: HistogramSnapshot;
}

function withPercentiles(v: RowValues) {
  return {
    ...v,
    latency: v.latency as never,
    p50Ms: ms(quantile(v.latency, 0.5)),
    p95Ms: ms(quantile(v.latency, 0.95)),
    p99Ms: ms(quantile(v.latency, 0.99)),
  };
}

function add(a: RowValues, b: RowValues): RowValues {
  return {
    requests: a.requests + b.requests,
    status1xx: a.status1xx + b.status1xx,
    status2xx: a.status2xx + b.status2xx,
    status3xx: a.status3xx + b.status3xx,
    status4xx: a.status4xx + b.status4xx,
    status5xx: a.status5xx + b.status5xx,
    retries: a.retries + b.retries,
    ejections: a.ejections + b.ejections,
    activeConnections: Math.max(a.activeConnections, b.activeConnections),
    latency: mergeHistograms([a.latency, b.latency]),
  };
}

function fromRow(row: RowValues & { latency: unknown }): RowValues {
  const parsed = histogramSnapshotSchema.safeParse(row.latency);
  return { ...row, latency: parsed.success ? parsed.data : mergeHistograms([]) };
}

/**
 * Writes completed 10-second rollups. A row that already exists (written by another control-plane
 * replica for its own agents, or by this one for a late report) is merged: counts added,
 * histograms merged, percentiles recomputed. Rollups of pools no longer in the database are
 * dropped (their history went with them).
 */
export async function writeRollups(db: Db, buckets: readonly RollupBucket[]): Promise<number> {
  if (buckets.length === 0) return 0;
  const pools = await db.pool.findMany({
    where: { name: { in: [...new Set(buckets.map((b) => b.pool))] } },
    select: { id: true, name: true },
  });
  const poolIds = new Map(pools.map((p) => [p.name, p.id]));
  let written = 0;
  for (const b of buckets) {
    const poolId = poolIds.get(b.pool);
    if (poolId === undefined) continue;
    const acc = b.acc;
    const values: RowValues = {
      requests: acc.requests,
      status1xx: acc.s1xx,
      status2xx: acc.s2xx,
      status3xx: acc.s3xx,
      status4xx: acc.s4xx,
      status5xx: acc.s5xx,
      retries: acc.retries,
      ejections: acc.ejections,
      activeConnections: acc.active,
      latency: acc.histogram(),
    };
    await upsertMerged(db, {
      poolId,
      backendId: b.backendId,
      versionLabel: b.versionLabel,
      bucketStart: new Date(b.bucketStart),
      resolutionSec: b.resolutionSec,
      values,
    });
    written++;
  }
  return written;
}

async function upsertMerged(
  db: Db,
  key: {
    poolId: string;
    backendId: string;
    versionLabel: string;
    bucketStart: Date;
    resolutionSec: number;
    values: RowValues;
  },
): Promise<void> {
  const unique = {
    resolutionSec_poolId_backendId_bucketStart: {
      resolutionSec: key.resolutionSec,
      poolId: key.poolId,
      backendId: key.backendId,
      bucketStart: key.bucketStart,
    },
  };
  // Two attempts: a concurrent insert of the same key (another replica) turns the second into a merge.
  for (let attempt = 0; ; attempt++) {
    try {
      await db.$transaction(async (tx) => {
        const existing = await tx.metricRollup.findUnique({ where: unique });
        if (existing === null) {
          await tx.metricRollup.create({
            data: {
              poolId: key.poolId,
              backendId: key.backendId,
              versionLabel: key.versionLabel,
              bucketStart: key.bucketStart,
              resolutionSec: key.resolutionSec,
              ...withPercentiles(key.values),
            },
          });
          return;
        }
        const merged = add(fromRow(existing as never), key.values);
        await tx.metricRollup.update({ where: { id: existing.id }, data: withPercentiles(merged) });
      });
      return;
    } catch (error) {
      if (attempt >= 1 || (error as { code?: string }).code !== "P2002") throw error;
    }
  }
}

/**
 * Windows up to and including the newest folded one that each run (once a minute) folds again,
 * for 10-second rows that came late or a run cut short: each window is written about 15 times
 * over 15 minutes, three upserts per pool and backend a minute.
 */
const REFOLD_WINDOWS = 3;

/**
 * Housekeeping, run by the leader: folds the complete 5-minute windows of 10-second rows from
 * shortly before the newest folded one into 5-minute rows (computed from the 10-second rows, so
 * folding a window again is harmless), then deletes rows past their retention.
 */
export async function compactAndExpire(
  db: Db,
  options: { now: Date; retention: RetentionPolicy },
): Promise<{ compacted: number; expired: number }> {
  const windowMs = COARSE_SECONDS * 1000;
  const now = options.now.getTime();
  // Windows that ended at least a minute ago (late 10-second rows have been written), from a few
  // before the newest one already folded (rows later still, or a run cut short, are folded again)
  // and over the last two hours at most: enough to catch up after a restart without rescanning
  // the whole day, and a few windows in a normal minute.
  const end = Math.floor((now - 60_000) / windowMs) * windowMs;
  const newest = await db.metricRollup.findFirst({
    where: { resolutionSec: COARSE_SECONDS, bucketStart: { lt: new Date(end) } },
    orderBy: { bucketStart: "desc" },
    select: { bucketStart: true },
  });
  // A window is folded again only while all its 10-second rows are kept: folding one whose
  // oldest rows have expired would shrink its 5-minute row.
  const kept = Math.ceil((now - options.retention.rawMs) / windowMs) * windowMs;
  const refoldFrom =
    newest === null
      ? 0
      : Math.min(
          newest.bucketStart.getTime() + windowMs,
          Math.max(newest.bucketStart.getTime() - (REFOLD_WINDOWS - 1) * windowMs, kept),
        );
  const start = Math.max(end - 2 * 3600_000, refoldFrom);
  const raw = await db.metricRollup.findMany({
    where: { resolutionSec: 10, bucketStart: { gte: new Date(start), lt: new Date(end) } },
  });
  const groups = new Map<string, { row: (typeof raw)[number]; values: RowValues; window: number }>();
  for (const row of raw) {
    const window = Math.floor(row.bucketStart.getTime() / windowMs) * windowMs;
    const key = `${row.poolId}\u0000${row.backendId}\u0000${window}`;
    const values = fromRow(row as never);
    const g = groups.get(key);
    if (g === undefined) groups.set(key, { row, values, window });
    else g.values = add(g.values, values);
  }
  let compacted = 0;
  // Oldest window first: a run cut short leaves no gap below the newest folded window.
  const ordered = [...groups.values()].sort((a, b) => a.window - b.window);
  for (const { row, values, window } of ordered) {
    const data = {
      poolId: row.poolId,
      backendId: row.backendId,
      versionLabel: row.versionLabel,
      bucketStart: new Date(window),
      resolutionSec: COARSE_SECONDS,
      ...withPercentiles(values),
    };
    await db.metricRollup.upsert({
      where: {
        resolutionSec_poolId_backendId_bucketStart: {
          resolutionSec: COARSE_SECONDS,
          poolId: row.poolId,
          backendId: row.backendId,
          bucketStart: new Date(window),
        },
      },
      create: data,
      update: withPercentiles(values),
    });
    compacted++;
  }
  const expiredRaw = await db.metricRollup.deleteMany({
    where: { resolutionSec: 10, bucketStart: { lt: new Date(now - options.retention.rawMs) } },
  });
  const expiredCoarse = await db.metricRollup.deleteMany({
    where: { resolutionSec: COARSE_SECONDS, bucketStart: { lt: new Date(now - options.retention.coarseMs) } },
  });
  return { compacted, expired: expiredRaw.count + expiredCoarse.count };
}
