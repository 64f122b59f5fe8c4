import type { LivePoint, PoolTick } from "@weir/config";
import type { ChartPoint } from "@/components/traffic-charts";

/** Version shares are read over this many seconds: per-second shares at a few requests are noise. */
const SHARE_WINDOW = 5;

function chartPoint(p: LivePoint, seconds: number): ChartPoint {
  return {
    at: p.at,
    rps: p.requests / seconds,
    s2xx: p.s2xx / seconds,
    s3xx: p.s3xx / seconds,
    s4xx: (p.s4xx + p.s1xx) / seconds,
    s5xx: p.s5xx / seconds,
    errors: p.errors / seconds,
    errorPercent: p.errorRate * 100,
    p50: p.p50Ms,
    p95: p.p95Ms,
    p99: p.p99Ms,
  };
}

/** Live ticks → chart points for the pool's total or one backend, with rolling version shares. */
export function pointsFromTicks(ticks: readonly PoolTick[], backendId?: string): ChartPoint[] {
  return ticks.map((tick, i) => {
    if (backendId !== undefined) {
      const b = tick.backends.find((x) => x.id === backendId);
      return chartPoint(b?.point ?? emptyLivePoint(tick.total.at), 1);
    }
    const point = chartPoint(tick.total, 1);
    const sums = new Map<string, number>();
    let total = 0;
    for (const t of ticks.slice(Math.max(0, i - SHARE_WINDOW + 1), i + 1)) {
      for (const v of t.versions) {
        sums.set(v.version, (sums.get(v.version) ?? 0) + v.point.requests);
        total += v.point.requests;
      }
    }
    if (total > 0) point.shares = Object.fromEntries([...sums].map(([v, n]) => [v, (100 * n) / total]));
    return point;
  });
}

/** Stored rollups (metrics.series) → chart points; `resolution` is seconds per point. */
export function pointsFromSeries(
  series: ReadonlyArray<{
    at: string;
    requests: number;
    status2xx: number;
    status3xx: number;
    status4xx: number;
    status5xx: number;
    p50Ms: number | null;
    p95Ms: number | null;
    p99Ms: number | null;
  }>,
  resolution: number,
): ChartPoint[] {
  return series.map((p) => {
    const errors = Math.max(0, p.requests - p.status2xx - p.status3xx - p.status4xx - p.status5xx);
    return {
      at: Date.parse(p.at),
      rps: p.requests / resolution,
      s2xx: p.status2xx / resolution,
      s3xx: p.status3xx / resolution,
      s4xx: p.status4xx / resolution,
      s5xx: p.status5xx / resolution,
      errors: errors / resolution,
      errorPercent: p.requests === 0 ? 0 : (100 * (p.status5xx + errors)) / p.requests,
      p50: p.p50Ms,
      p95: p.p95Ms,
      p99: p.p99Ms,
    };
  });
}

/**
 * Requests, failed requests (5xx and no answer) and the highest p95 of one series over
 * `ticks[from..to)`.
 */
export function sumPoints(
  ticks: readonly PoolTick[],
  from: number,
  to: number,
  pick: (tick: PoolTick) => LivePoint | undefined,
): { requests: number; failed: number; p95: number | null } {
  let requests = 0;
  let failed = 0;
  let p95: number | null = null;
  for (let i = Math.max(0, from); i < to; i++) {
    const p = pick(ticks[i] as PoolTick);
    if (p === undefined) continue;
    requests += p.requests;
    failed += p.s5xx + p.errors;
    if (p.p95Ms !== null) p95 = Math.max(p95 ?? 0, p.p95Ms);
  }
  return { requests, failed, p95 };
}

/** Sums the last `seconds` ticks of one series (the total, or a backend) into one summary. */
export function recentSummary(
  ticks: readonly PoolTick[],
  seconds: number,
  pick: (tick: PoolTick) => LivePoint | undefined,
): { rps: number; errorPercent: number; p95: number | null; active: number } | undefined {
  const recent = ticks.slice(-seconds);
  if (recent.length === 0) return undefined;
  const { requests, failed, p95 } = sumPoints(recent, 0, recent.length, pick);
  const last = pick(recent[recent.length - 1] as PoolTick);
  return {
    rps: requests / recent.length,
    errorPercent: requests === 0 ? 0 : (100 * failed) / requests,
    p95,
    active: last?.active ?? 0,
  };
}

function emptyLivePoint(at: number): LivePoint {
  return {
    at,
    requests: 0,
    rps: 0,
    s1xx: 0,
    s2xx: 0,
    s3xx: 0,
    s4xx: 0,
    s5xx: 0,
    errors: 0,
    errorRate: 0,
    retries: 0,
    active: 0,
    p50Ms: null,
    p95Ms: null,
    p99Ms: null,
  };
}

export function formatRate(rps: number | undefined): string {
  if (rps === undefined) return "–";
  return rps >= 100 ? rps.toFixed(0) : rps.toFixed(1);
}

export function formatMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return "–";
  return ms >= 100 ? `${ms.toFixed(0)} ms` : `${ms.toFixed(1)} ms`;
}

export function formatPercent(percent: number | undefined): string {
  if (percent === undefined) return "–";
  return percent === 0 ? "0%" : percent < 0.1 ? "<0.1%" : `${percent.toFixed(1)}%`;
}
