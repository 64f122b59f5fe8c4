/**
 * A millisecond clock read on every request. `Date.now()` is cheap but not free, and a decision
 * such as "is this ejection over" does not need better than a few milliseconds: a shared number
 * refreshed by one unref'd timer is. Latency is measured with `performance.now()` instead.
 *
 * The engine reads time through one `Now` only (its `EngineOptions.now`, this coarse clock by
 * default): balancing, health, ejections, client and upstream timeouts, the Date header, metrics
 * snapshots. A test injects its own and moves it instead of sleeping; timers (the sweeps) still
 * run on real time, and look at the injected clock when they fire.
 */
export type Now = () => number;

export interface CoarseClock {
  readonly now: Now;
  stop(): void;
}

export function createCoarseClock(resolutionMs = 5): CoarseClock {
  let current = Date.now();
  const timer = setInterval(() => {
    current = Date.now();
  }, resolutionMs);
  timer.unref();
  return {
    now: () => current,
    stop: () => clearInterval(timer),
  };
}

/** Random number in [0, 1). Injected everywhere randomness decides something, for deterministic tests. */
export type Rng = () => number;

/** Small, fast, seedable PRNG (mulberry32) for tests and benchmarks. */
export function seededRng(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
