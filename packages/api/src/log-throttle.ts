/**
 * Lets through at most one log line per key per interval (a minute by default), so a broken agent
 * or a failing scaling rule says what is wrong once a minute instead of flooding the log.
 */
export class LogThrottle {
  private readonly last = new Map<string, number>();

  constructor(
    private readonly clock: () => number = Date.now,
    private readonly intervalMs = 60_000,
  ) {}

  /** True when a line for `key` may be written now (and counts it as written). */
  allow(key: string): boolean {
    const now = this.clock();
    const at = this.last.get(key);
    if (at !== undefined && now - at < this.intervalMs) return false;
    this.last.set(key, now);
    // Keys carry names from outside (agent names, rule ids): bound the memory they can take.
    if (this.last.size > 10_000) this.last.clear();
    return true;
  }
}
