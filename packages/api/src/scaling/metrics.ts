import { mergeHistograms, type PoolTick, quantile } from "@weir/config";
import type { ScalingMetricType } from "@weir/config/api";
import type { VersionWindow } from "../hub/telemetry-aggregator";

/** What the scaling controller reads of the hub's live per-second data. */
export interface MetricSource {
  poolHistory(pool: string): PoolTick[];
  versionWindow(pool: string, version: string, fromMs: number, toMs: number): VersionWindow;
  liveUntil(): number;
}

export interface MeasureInput {
  pool: string;
  /** The rule's version, or null for the whole pool. */
  versionLabel: string | null;
  /** Ids of the scope's backends in rotation (active); the ready ones are among these. */
  activeIds: ReadonlySet<string>;
  windowSec: number;
}

export interface Measurement {
  /** Per metric type; null when it has no value (see `missing`). */
  values: Record<ScalingMetricType, number | null>;
  /** Active backends an agent reports healthy: what per-backend averages divide by. */
  ready: number;
  /** Seconds of the window in which an agent reported the scope. */
  reportedSec: number;
  /** Requests in those seconds, and the scope's p95 and error rate over them. */
  requests: number;
  rps: number;
  /** Why there are no values at all; null when there are. */
  missing: string | null;
  /** The window has not filled since the hub started: nothing to judge yet (not "missing"). */
  warmingUp: boolean;
}

const NONE: Record<ScalingMetricType, null> = {
  rps_per_backend: null,
  connections_per_backend: null,
  p95_latency_ms: null,
  error_rate: null,
};

/**
 * The rule's metric values over the last `windowSec` complete seconds of the hub's live data:
 *
 * - `rps_per_backend`: the scope's requests over the seconds an agent reported it, per second,
 *   divided by the ready backends (the HPA's AverageValue over ready pods);
 * - `connections_per_backend`: requests in flight at each second's end (the agents' per-backend
 *   `active` gauge, summed over the agents), averaged over the seconds, divided by the ready backends;
 * - `p95_latency_ms`: from the merged latency histogram of every request of the window (a true
 *   percentile, not an average of per-second ones);
 * - `error_rate`: answers 5xx plus requests that got no answer, over all requests.
 *
 * A scope that served no request in the window has p95 and error rate 0 (idle, nothing to fix).
 * Values are missing when no agent reported the scope during the whole window (agents
 * disconnected, or none serves the pool); per-backend values also when no backend is ready.
 * While the hub holds less than a window of data (it just started) the answer is `warmingUp`, so
 * a restart is not mistaken for missing metrics.
 */
export function measure(source: MetricSource, input: MeasureInput): Measurement {
  const until = source.liveUntil();
  const from = until - input.windowSec * 1000;
  const ticks = source.poolHistory(input.pool).filter((t) => t.total.at >= from && t.total.at < until);
  const scoped = (version: string) => input.versionLabel === null || version === input.versionLabel;
  const base = { ready: 0, reportedSec: 0, requests: 0, rps: 0 };
  if (ticks.length < input.windowSec) return { ...base, values: { ...NONE }, missing: null, warmingUp: true };

  const reporting = ticks.filter((t) => t.backends.some((b) => b.agents > 0 && scoped(b.version)));
  if (reporting.length === 0) {
    const what =
      input.versionLabel === null ? `pool ${input.pool}` : `version ${input.versionLabel} of pool ${input.pool}`;
    return {
      ...base,
      values: { ...NONE },
      missing: `no agent reported ${what} in the last ${input.windowSec} s`,
      warmingUp: false,
    };
  }
  const last = reporting[reporting.length - 1] as PoolTick;
  const ready = last.backends.filter(
    (b) => input.activeIds.has(b.id) && b.agents > 0 && b.health === "healthy" && scoped(b.version),
  ).length;

  const versions = new Set<string>();
  if (input.versionLabel !== null) versions.add(input.versionLabel);
  else for (const t of ticks) for (const v of t.versions) versions.add(v.version);
  let requests = 0;
  let failed = 0;
  const histograms = [];
  for (const version of versions) {
    const w = source.versionWindow(input.pool, version, from, until);
    requests += w.requests;
    failed += w.s5xx + w.errors;
    histograms.push(w.latency);
  }
  let inFlight = 0;
  for (const t of reporting)
    for (const b of t.backends) if (scoped(b.version) && input.activeIds.has(b.id)) inFlight += b.point.active;

  const seconds = reporting.length;
  const rps = requests / seconds;
  const p95 = requests > 0 ? quantile(mergeHistograms(histograms), 0.95) : 0;
  return {
    values: {
      rps_per_backend: ready > 0 ? rps / ready : null,
      connections_per_backend: ready > 0 ? inFlight / seconds / ready : null,
      p95_latency_ms: p95 === undefined ? null : p95 / 1000,
      error_rate: requests > 0 ? failed / requests : 0,
    },
    ready,
    reportedSec: seconds,
    requests,
    rps,
    missing: null,
    warmingUp: false,
  };
}
