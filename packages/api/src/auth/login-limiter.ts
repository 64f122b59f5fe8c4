/**
 * Sign-in throttling: at most `maxFailures` failed attempts per window for one email and for one
 * client address, whichever trips first; a success clears the email's count. In memory, so with
 * several control-plane replicas each keeps its own count (the limit multiplies by the replica
 * count, which still stops online guessing).
 */
export interface LoginLimiterOptions {
  maxFailures?: number;
  windowMs?: number;
  now?: () => number;
}

export class LoginLimiter {
  readonly #maxFailures: number;
  readonly #windowMs: number;
  readonly #now: () => number;
  readonly #failures = new Map<string, number[]>();

  constructor(options: LoginLimiterOptions = {}) {
    this.#maxFailures = options.maxFailures ?? 10;
    this.#windowMs = options.windowMs ?? 15 * 60_000;
    this.#now = options.now ?? Date.now;
  }

  /** Seconds until the next attempt may be made, or 0 when it may be made now. */
  retryAfterSeconds(email: string, ip: string): number {
    const now = this.#now();
    let wait = 0;
    for (const key of [`email:${email.toLowerCase()}`, `ip:${ip}`]) {
      const recent = this.#recent(key, now);
      if (recent.length >= this.#maxFailures) {
        wait = Math.max(wait, Math.ceil(((recent[0] ?? now) + this.#windowMs - now) / 1000));
      }
    }
    return wait;
  }

  recordFailure(email: string, ip: string): void {
    const now = this.#now();
    for (const key of [`email:${email.toLowerCase()}`, `ip:${ip}`]) {
      const recent = this.#recent(key, now);
      recent.push(now);
      this.#failures.set(key, recent);
    }
    if (this.#failures.size > 10_000) this.#prune(now);
  }

  recordSuccess(email: string): void {
    this.#failures.delete(`email:${email.toLowerCase()}`);
  }

  #recent(key: string, now: number): number[] {
    return (this.#failures.get(key) ?? []).filter((at) => now - at < this.#windowMs);
  }

  #prune(now: number): void {
    for (const [key, times] of this.#failures) {
      if (times.every((at) => now - at >= this.#windowMs)) this.#failures.delete(key);
    }
  }
}
