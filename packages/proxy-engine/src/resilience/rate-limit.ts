import type { RateLimit } from "@weir/config";

interface Bucket {
  tokens: number;
  stamp: number;
}

/**
 * Token bucket per key (client IP or a header's value): `burst` tokens, refilled at
 * `requestsPerSecond`. O(1) per request. Buckets that have refilled completely carry no
 * information and are swept when the map grows, so memory is bounded by the active clients.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly perMs: number;
  private static readonly SWEEP_AT = 50_000;

  constructor(readonly settings: RateLimit) {
    this.perMs = settings.requestsPerSecond / 1000;
  }

  /** 0 when the request may pass; else the whole seconds after which a token will be there. */
  take(key: string, now: number): number {
    let b = this.buckets.get(key);
    if (b === undefined) {
      if (this.buckets.size >= RateLimiter.SWEEP_AT) this.sweep(now);
      b = { tokens: this.settings.burst, stamp: now };
      this.buckets.set(key, b);
    } else {
      b.tokens = Math.min(this.settings.burst, b.tokens + (now - b.stamp) * this.perMs);
      b.stamp = now;
    }
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - b.tokens) / this.perMs / 1000));
  }

  private sweep(now: number): void {
    for (const [key, b] of this.buckets) {
      if (b.tokens + (now - b.stamp) * this.perMs >= this.settings.burst) this.buckets.delete(key);
    }
  }
}
