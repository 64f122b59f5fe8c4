import {
  type BackendHealthState,
  type HealthTransition,
  type HistogramSnapshot,
  type LiveBackend,
  type LivePoint,
  mergeHistograms,
  type PoolTick,
  type Telemetry,
} from "@weir/config";
import { emptyPoint, SeriesAccumulator } from "./series-accumulator";

/** Worst first: the state a backend shows when agents disagree. */
const SEVERITY: Record<BackendHealthState, number> = {
  healthy: 0,
  draining: 1,
  disabled: 2,
  ejected: 3,
  unhealthy: 4,
};

export const ROLLUP_SECONDS = 10;
/** How long past its end a 10-second bucket waits for late reports before it is written. */
const ROLLUP_GRACE_MS = 5_000;
/** Reports whose clock is further than this from the hub's are placed by arrival time instead. */
const MAX_SKEW_MS = 10_000;

interface BackendGauge {
  pool: string;
  backend: string;
  version: string;
  health: BackendHealthState;
  reason: string;
  active: number;
}

interface PoolSecond {
  total: SeriesAccumulator;
  backends: Map<string, { version: string; acc: SeriesAccumulator }>;
}

/** One completed rollup: a pool's total (backendId "") or one backend, over ROLLUP_SECONDS. */
export interface RollupBucket {
  bucketStart: number;
  resolutionSec: number;
  pool: string;
  backendId: string;
  versionLabel: string;
  acc: SeriesAccumulator;
}

interface VersionSecond {
  requests: number;
  s5xx: number;
  errors: number;
  latency: HistogramSnapshot;
}

/** A version's traffic over a window, as rollout analysis takes it. */
export interface VersionWindow {
  requests: number;
  /** Answered, and not 5xx. */
  successes: number;
  s5xx: number;
  errors: number;
  latency: HistogramSnapshot;
}

/** Seconds of per-version data kept for analysis windows (15 minutes). */
const VERSION_SECONDS_KEPT = 900;

/** One backend's gauges over every agent that reports it. */
interface MergedGauge {
  g: BackendGauge;
  agents: number;
  active: number;
}

export interface KnownPool {
  name: string;
  backends: ReadonlyArray<{ id: string; version: string }>;
}

/**
 * Merges the agents' per-second reports into one series per pool, version and backend.
 *
 * A report's counters are placed in the second its interval mostly covers (by the agent's clock
 * when it agrees with ours within MAX_SKEW_MS), so reports from agents that tick at different
 * phases land in the same second; agents tick on the wall-clock second to make that exact. `tick` closes the previous second: it builds one PoolTick per pool (kept for
 * `historySeconds` so a browser that starts watching gets the last minutes at once) and hands
 * completed 10-second rollups to the caller, which stores them.
 *
 * Gauges (in flight, health) are the agents' latest values: summed for in-flight, worst-of for
 * health, with the reporting agent's reason.
 */
export class TelemetryAggregator {
  private readonly seconds = new Map<number, Map<string, PoolSecond>>();
  private readonly rollups = new Map<string, RollupBucket>();
  private readonly gauges = new Map<string, Map<string, BackendGauge>>();
  private readonly poolActive = new Map<string, Map<string, number>>();
  private readonly histories = new Map<string, PoolTick[]>();
  /** Per pool, per closed second, each version's counts and histogram: what rollout analysis reads. */
  private readonly versionSeconds = new Map<string, Array<{ at: number; versions: Map<string, VersionSecond> }>>();
  private known: KnownPool[] = [];
  private lastClosed: number;

  constructor(private readonly options: { now?: () => number; historySeconds?: number } = {}) {
    this.lastClosed = Math.floor(this.now() / 1000) - 1;
  }

  private now(): number {
    return this.options.now?.() ?? Date.now();
  }

  /** The pools and backends of the latest config: they get points even when silent. */
  setKnownPools(pools: KnownPool[]): void {
    this.known = pools;
    const names = new Set(pools.map((p) => p.name));
    for (const name of this.histories.keys()) if (!names.has(name)) this.histories.delete(name);
  }

  ingest(agentId: string, report: Telemetry): void {
    const now = this.now();
    const at = Math.abs(report.at - now) <= MAX_SKEW_MS ? report.at : now;
    const covered = Math.floor((at - report.intervalMs / 2) / 1000);
    // A report for a second already closed (late, or from a slow clock) counts in the next open
    // one: the live series keeps every request, a second late, rather than lose it.
    const second = Math.max(covered, this.lastClosed + 1);
    let bucket = this.seconds.get(second);
    if (bucket === undefined) {
      bucket = new Map();
      this.seconds.set(second, bucket);
    }
    // Rollups are written after a grace period: they take the second the report covers.
    const rollupStart = Math.floor(covered / ROLLUP_SECONDS) * ROLLUP_SECONDS * 1000;

    const active = new Map<string, number>();
    for (const p of report.pools) {
      active.set(p.pool, p.active);
      poolSecond(bucket, p.pool).total.add(p.requests, p.retries, p.latency);
      this.rollup(rollupStart, p.pool, "", "").add(p.requests, p.retries, p.latency);
    }
    this.poolActive.set(agentId, active);

    const gauges = new Map<string, BackendGauge>();
    for (const b of report.backends) {
      gauges.set(`${b.pool}/${b.backend}`, {
        pool: b.pool,
        backend: b.backend,
        version: b.version,
        health: b.health,
        reason: b.reason,
        active: b.active,
      });
      const ps = poolSecond(bucket, b.pool);
      let entry = ps.backends.get(b.backend);
      if (entry === undefined) {
        entry = { version: b.version, acc: new SeriesAccumulator() };
        ps.backends.set(b.backend, entry);
      }
      entry.acc.add(b.requests, b.retries, b.latency, b.ejections);
      this.rollup(rollupStart, b.pool, b.backend, b.version).add(b.requests, b.retries, b.latency, b.ejections);
    }
    this.gauges.set(agentId, gauges);
  }

  /** A health transition arrives before the next report: show it at once. */
  health(agentId: string, t: HealthTransition): void {
    const gauge = this.gauges.get(agentId)?.get(`${t.pool}/${t.backend}`);
    if (gauge === undefined) return;
    gauge.health = t.to;
    gauge.reason = t.reason;
  }

  /** A disconnected agent's gauges no longer count. */
  forgetAgent(agentId: string): void {
    this.gauges.delete(agentId);
    this.poolActive.delete(agentId);
  }

  private rollup(bucketStart: number, pool: string, backendId: string, versionLabel: string): SeriesAccumulator {
    const key = `${bucketStart}\u0000${pool}\u0000${backendId}`;
    let r = this.rollups.get(key);
    if (r === undefined) {
      r = { bucketStart, resolutionSec: ROLLUP_SECONDS, pool, backendId, versionLabel, acc: new SeriesAccumulator() };
      this.rollups.set(key, r);
    }
    return r.acc;
  }

  /**
   * Closes every second before the current one: returns one tick per pool for each second closed
   * (normally one; more after a stalled event loop), oldest first, and the rollups whose bucket
   * ended more than the grace period ago.
   */
  tick(): { ticks: PoolTick[]; rollups: RollupBucket[] } {
    const now = this.now();
    const target = Math.floor(now / 1000) - 1;
    const ticks: PoolTick[] = [];
    for (let second = this.lastClosed + 1; second <= target; second++) ticks.push(...this.closeSecond(second));
    if (target > this.lastClosed) this.lastClosed = target;
    for (const key of this.seconds.keys()) if (key <= this.lastClosed) this.seconds.delete(key);

    const rollups: RollupBucket[] = [];
    for (const [key, r] of this.rollups) {
      if (r.bucketStart + r.resolutionSec * 1000 + ROLLUP_GRACE_MS <= now) {
        rollups.push(r);
        this.rollups.delete(key);
      }
    }
    return { ticks, rollups };
  }

  /** Every rollup still open, for a clean shutdown. */
  drainRollups(): RollupBucket[] {
    const all = [...this.rollups.values()];
    this.rollups.clear();
    return all;
  }

  private closeSecond(second: number): PoolTick[] {
    const bucket = this.seconds.get(second);
    const at = second * 1000;
    const names = new Set<string>(this.known.map((p) => p.name));
    if (bucket !== undefined) for (const name of bucket.keys()) names.add(name);
    // Once per second for every pool: the agents' gauges merged per pool and backend, and the
    // known pools by name (not a scan of every gauge and every pool per pool).
    const gauges = this.mergedGauges();
    const known = new Map(this.known.map((p) => [p.name, p]));
    const ticks: PoolTick[] = [];
    for (const name of names) {
      const tick = this.poolTick(name, at, bucket?.get(name), gauges.get(name), known.get(name));
      ticks.push(tick);
      let history = this.histories.get(name);
      if (history === undefined) {
        history = [];
        this.histories.set(name, history);
      }
      history.push(tick);
      const keep = this.options.historySeconds ?? 300;
      if (history.length > keep) history.splice(0, history.length - keep);
    }
    this.forgetGonePools(names, at);
    return ticks;
  }

  /**
   * Rollout windows of a pool no longer in the config and no longer reported by any agent are
   * forgotten once they are older than a window can reach (its charts go at `setKnownPools`).
   */
  private forgetGonePools(live: ReadonlySet<string>, at: number): void {
    for (const [name, seconds] of this.versionSeconds)
      if (!live.has(name) && (seconds.at(-1)?.at ?? 0) <= at - VERSION_SECONDS_KEPT * 1000)
        this.versionSeconds.delete(name);
  }

  /** Every agent's latest backend gauges, merged by pool and backend: agents counted, active summed, worst health. */
  private mergedGauges(): Map<string, Map<string, MergedGauge>> {
    const byPool = new Map<string, Map<string, MergedGauge>>();
    for (const perAgent of this.gauges.values()) {
      for (const g of perAgent.values()) {
        let gauge = byPool.get(g.pool);
        if (gauge === undefined) {
          gauge = new Map();
          byPool.set(g.pool, gauge);
        }
        const seen = gauge.get(g.backend);
        if (seen === undefined) gauge.set(g.backend, { g: { ...g }, agents: 1, active: g.active });
        else {
          seen.agents++;
          seen.active += g.active;
          if (SEVERITY[g.health] > SEVERITY[seen.g.health]) {
            seen.g.health = g.health;
            seen.g.reason = g.reason;
          }
        }
      }
    }
    return byPool;
  }

  private poolTick(
    pool: string,
    at: number,
    ps: PoolSecond | undefined,
    gauges: Map<string, MergedGauge> | undefined,
    known: KnownPool | undefined,
  ): PoolTick {
    const gauge = gauges ?? new Map<string, MergedGauge>();
    let poolActive = 0;
    for (const perAgent of this.poolActive.values()) poolActive += perAgent.get(pool) ?? 0;

    const ids = new Map<string, string>();
    for (const b of known?.backends ?? []) ids.set(b.id, b.version);
    for (const [id, e] of ps?.backends ?? []) if (!ids.has(id)) ids.set(id, e.version);
    for (const [id, e] of gauge) if (!ids.has(id)) ids.set(id, e.g.version);

    const versions = new Map<string, SeriesAccumulator>();
    const backends: LiveBackend[] = [];
    for (const [id, version] of ids) {
      const acc = ps?.backends.get(id)?.acc ?? new SeriesAccumulator();
      const g = gauge.get(id);
      acc.active = g?.active ?? 0;
      let v = versions.get(version);
      if (v === undefined) {
        v = new SeriesAccumulator();
        versions.set(version, v);
      }
      v.merge(acc);
      backends.push({
        id,
        version,
        health: g?.g.health ?? "unknown",
        reason: g?.g.reason ?? "no agent serving this pool reports it",
        agents: g?.agents ?? 0,
        point: acc.point(at, 1),
      });
    }
    const record = new Map<string, VersionSecond>();
    for (const [version, acc] of versions) {
      if (acc.requests > 0)
        record.set(version, {
          requests: acc.requests,
          s5xx: acc.s5xx,
          errors: acc.errors,
          latency: acc.histogram(),
        });
    }
    let seconds = this.versionSeconds.get(pool);
    if (seconds === undefined) {
      seconds = [];
      this.versionSeconds.set(pool, seconds);
    }
    seconds.push({ at, versions: record });
    if (seconds.length > VERSION_SECONDS_KEPT) seconds.splice(0, seconds.length - VERSION_SECONDS_KEPT);
    const total = ps?.total ?? new SeriesAccumulator();
    total.active = poolActive;
    return {
      pool,
      total: ps === undefined && poolActive === 0 ? emptyPoint(at) : total.point(at, 1),
      versions: [...versions].map(([version, acc]) => ({ version, point: acc.point(at, 1) })),
      backends,
    };
  }

  /**
   * One version's traffic in a pool over the closed seconds in [fromMs, toMs): requests, answers
   * that were 5xx, requests that got no answer, and the merged latency histogram. What rollout
   * analysis compares (stable against new), at one-second resolution.
   */
  versionWindow(pool: string, version: string, fromMs: number, toMs: number): VersionWindow {
    let requests = 0;
    let s5xx = 0;
    let errors = 0;
    const histograms: HistogramSnapshot[] = [];
    for (const second of this.versionSeconds.get(pool) ?? []) {
      if (second.at < fromMs || second.at >= toMs) continue;
      const v = second.versions.get(version);
      if (v === undefined) continue;
      requests += v.requests;
      s5xx += v.s5xx;
      errors += v.errors;
      histograms.push(v.latency);
    }
    return { requests, successes: requests - s5xx - errors, s5xx, errors, latency: mergeHistograms(histograms) };
  }

  /** Unix ms up to which seconds are closed: windows ending later are not complete yet. */
  closedUntil(): number {
    return (this.lastClosed + 1) * 1000;
  }

  history(pool: string): PoolTick[] {
    return [...(this.histories.get(pool) ?? [])];
  }

  /** The last closed second's point per pool, and its backends' health counts. */
  summary(): Array<{ name: string; healthy: number; total: number; point: LivePoint }> {
    const out: Array<{ name: string; healthy: number; total: number; point: LivePoint }> = [];
    for (const [name, history] of this.histories) {
      const last = history[history.length - 1];
      if (last === undefined) continue;
      const counted = last.backends.filter((b) => b.health !== "disabled");
      out.push({
        name,
        healthy: counted.filter((b) => b.health === "healthy").length,
        total: counted.length,
        point: last.total,
      });
    }
    return out.sort((a, b) => (a.name < b.name ? -1 : 1));
  }
}

function poolSecond(bucket: Map<string, PoolSecond>, pool: string): PoolSecond {
  let ps = bucket.get(pool);
  if (ps === undefined) {
    ps = { total: new SeriesAccumulator(), backends: new Map() };
    bucket.set(pool, ps);
  }
  return ps;
}
