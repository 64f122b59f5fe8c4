/**
 * A millisecond clock read on every request. `Date.now()` is cheap but not free, and a decision
 * such as "is this ejection over" does not need better than a few milliseconds: a shared number
 * refreshed by one unref'd timer is. Latency is measured with `performance.now()` instead.
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

/**
 * Wall clock in ms for client connection timeouts and the Date header, refreshed by the HTTP
 * listeners' timeout sweeps (every 100 ms): reading it on every read and write costs nothing, and
 * timeouts counted in seconds need no better.
 */
export const sweepClock = { now: Date.now() };

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
