import { connect } from "node:net";
import type { HealthCheck } from "@weir/config";
import { Client } from "undici";
import type { BackendRuntime } from "../backend";
import type { EngineEnv } from "../env";

/** `[200, "2xx"]` compiled to a predicate once per config. */
export function statusMatcher(patterns: HealthCheck["expectedStatuses"]): (status: number) => boolean {
  const exact = new Set<number>();
  const classes = new Set<number>();
  for (const p of patterns) {
    if (typeof p === "number") exact.add(p);
    else if (p.endsWith("xx")) classes.add(Number(p[0]));
    else exact.add(Number(p));
  }
  return (status) => exact.has(status) || classes.has(Math.floor(status / 100));
}

export interface CheckResult {
  readonly ok: boolean;
  readonly reason: string;
}

/**
 * Active health checks of one backend: an HTTP GET (path, expected statuses, timeout) over its own
 * keep-alive connection, kept apart from the traffic pool so checks neither queue behind requests
 * nor count against the circuit breaker; or a TCP connect. Runs every interval stretched by a
 * random jitter so a fleet of agents does not probe in step. `healthyThreshold` consecutive passes
 * bring a backend up (and start its slow start), `unhealthyThreshold` failures take it down.
 */
export class ActiveHealthChecker {
  private timer: NodeJS.Timeout | undefined;
  private client: Client | undefined;
  private stopped = false;
  private readonly expected: (status: number) => boolean;

  constructor(
    private readonly backend: BackendRuntime,
    readonly config: HealthCheck,
    private readonly env: EngineEnv,
    private readonly onTransition: (b: BackendRuntime) => void,
  ) {
    this.expected = statusMatcher(config.expectedStatuses);
  }

  start(): void {
    // First probe soon (a fresh agent should learn about dead backends quickly), still jittered.
    this.schedule(this.env.rng() * Math.min(this.config.intervalMs, 250));
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    void this.client?.destroy().catch(() => {});
  }

  private schedule(delay: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.runOnce(), delay);
    this.timer.unref();
  }

  private nextDelay(): number {
    return this.config.intervalMs * (1 + (this.config.jitterPercent / 100) * this.env.rng());
  }

  async runOnce(): Promise<void> {
    let result: CheckResult;
    try {
      result = this.config.type === "tcp" ? await this.probeTcp() : await this.probeHttp();
    } catch (err) {
      result = { ok: false, reason: (err as Error & { code?: string }).code ?? (err as Error).message };
    }
    if (this.stopped) return;
    this.record(result);
    this.schedule(this.nextDelay());
  }

  /** Applies one result to the rise/fall counters. */
  record(result: CheckResult): void {
    const b = this.backend;
    if (result.ok) {
      b.checkFailures = 0;
      b.checkPasses++;
      if (!b.healthy && b.checkPasses >= this.config.healthyThreshold) {
        b.healthy = true;
        b.healthReason = `passed ${b.checkPasses} checks`;
        b.healthSince = this.env.now();
        b.warmSince = b.healthSince;
        this.onTransition(b);
      } else if (b.healthy && b.checkPasses === 1) {
        b.healthReason = "check passed";
      }
    } else {
      b.checkPasses = 0;
      b.checkFailures++;
      if (b.healthy && b.checkFailures >= this.config.unhealthyThreshold) {
        b.healthy = false;
        b.healthReason = `failed ${b.checkFailures} checks: ${result.reason}`;
        b.healthSince = this.env.now();
        this.onTransition(b);
      } else if (!b.healthy) {
        b.healthReason = `failed ${b.checkFailures} checks: ${result.reason}`;
      }
    }
  }

  private async probeHttp(): Promise<CheckResult> {
    const b = this.backend;
    this.client ??= new Client(`http://${b.authority}`, {
      connectTimeout: this.config.timeoutMs,
      headersTimeout: this.config.timeoutMs,
      bodyTimeout: this.config.timeoutMs,
      pipelining: 1,
    });
    const res = await this.client.request({
      method: "GET",
      path: this.config.path,
      headers: { host: this.config.host ?? b.authority, "user-agent": "weir-health-check" },
      signal: AbortSignal.timeout(this.config.timeoutMs),
    });
    await res.body.dump();
    return this.expected(res.statusCode)
      ? { ok: true, reason: `HTTP ${res.statusCode}` }
      : { ok: false, reason: `HTTP ${res.statusCode} from ${this.config.path}` };
  }

  private probeTcp(): Promise<CheckResult> {
    const b = this.backend;
    return new Promise((resolve) => {
      const socket = connect({ host: b.host, port: b.port });
      socket.setTimeout(this.config.timeoutMs, () => {
        socket.destroy();
        resolve({ ok: false, reason: "connect timeout" });
      });
      socket.once("connect", () => {
        socket.destroy();
        resolve({ ok: true, reason: "connected" });
      });
      socket.once("error", (err: Error & { code?: string }) => resolve({ ok: false, reason: err.code ?? err.message }));
    });
  }
}
