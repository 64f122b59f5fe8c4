import {
  type BackendTelemetry,
  type MetricsSnapshot,
  type PoolTelemetry,
  type SeriesSnapshot,
  type StatusCounts,
  subtractHistograms,
  type Telemetry,
} from "@weir/config";
import type { BackendHealth } from "@weir/proxy-engine";

const CLASSES = ["1xx", "2xx", "3xx", "4xx", "5xx", "error"] as const;

function subtractCounts(later: StatusCounts, earlier: StatusCounts | undefined): StatusCounts {
  if (earlier === undefined) return later;
  const out = { ...later };
  for (const c of CLASSES) {
    // A counter that went down belongs to a new series (backend re-added): all of it is new.
    if (later[c] < earlier[c]) return later;
    out[c] = later[c] - earlier[c];
  }
  return out;
}

function delta(later: number, earlier: number | undefined): number {
  return earlier === undefined || later < earlier ? later : later - earlier;
}

/**
 * Turns the engine's cumulative counters into one telemetry report per interval: counters and
 * latency histograms as differences since the previous report (so the hub adds reports from many
 * agents without knowing when each started), gauges as they stand. O(backends) per report.
 */
export class TelemetryReporter {
  private previous: MetricsSnapshot | undefined;
  private seq = 0;
  private lastAt = 0;

  /** Forgets the baseline: the next report counts from the engine's current totals. */
  reset(): void {
    this.previous = undefined;
  }

  /** The first call only sets the baseline and returns undefined. */
  next(snapshot: MetricsSnapshot, health: readonly BackendHealth[]): Telemetry | undefined {
    const previous = this.previous;
    this.previous = snapshot;
    const lastAt = this.lastAt;
    this.lastAt = snapshot.takenAt;
    if (previous === undefined) return undefined;

    const reasons = new Map<string, string>();
    for (const h of health) reasons.set(`${h.pool}/${h.backend}`, h.reason);

    const pools: PoolTelemetry[] = [];
    for (const [pool, s] of Object.entries(snapshot.pools)) {
      const before: SeriesSnapshot | undefined = previous.pools[pool];
      pools.push({
        pool,
        requests: subtractCounts(s.requests, before?.requests),
        retries: delta(s.retries, before?.retries),
        active: s.active,
        panic: s.panic,
        latency: before === undefined ? s.latency : subtractHistograms(s.latency, before.latency),
      });
    }
    const backends: BackendTelemetry[] = [];
    for (const [key, b] of Object.entries(snapshot.backends)) {
      const before = previous.backends[key];
      backends.push({
        pool: b.pool,
        backend: b.id,
        version: b.version,
        health: b.health,
        reason: (reasons.get(key) ?? "").slice(0, 500),
        requests: subtractCounts(b.requests, before?.requests),
        retries: delta(b.retries, before?.retries),
        ejections: delta(b.ejections, before?.ejections),
        active: b.active,
        connectionsOpen: b.connectionsOpen,
        latency: before === undefined ? b.latency : subtractHistograms(b.latency, before.latency),
      });
    }
    return {
      seq: this.seq++,
      at: snapshot.takenAt,
      intervalMs: Math.min(3_600_000, Math.max(1, Math.round(snapshot.takenAt - lastAt))),
      configVersion: snapshot.configVersion,
      pools,
      backends,
    };
  }
}
