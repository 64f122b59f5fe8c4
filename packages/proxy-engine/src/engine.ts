import { EventEmitter } from "node:events";
import {
  type BackendHealthState,
  type BackendSnapshot,
  type EngineConfig,
  type Listener,
  type MetricsSnapshot,
  type Pool as PoolConfig,
  parseEngineConfig,
} from "@weir/config";
import { BackendRuntime } from "./backend";
import { type EngineEnv, type Logger, silentLogger } from "./env";
import { WeirEngineError } from "./errors";
import { ActiveHealthChecker } from "./health/active";
import type { ListenerState } from "./http/exchange";
import { HttpListener } from "./http/listener";
import { keepAliveHeader } from "./http/response-head";
import { toPrometheus } from "./metrics/prometheus";
import { Series } from "./metrics/series";
import { PoolRuntime, PoolShared } from "./pool";
import { RateLimiter } from "./resilience/rate-limit";
import { type CompiledRoute, compileRoute, Router } from "./routing/router";
import { TcpListener, type TcpListenerState } from "./tcp/listener";
import { NativeUpstream } from "./upstream/native";
import type { Upstream, UpstreamOptions } from "./upstream/types";
import { UndiciUpstream } from "./upstream/undici";
import { createCoarseClock, type Now, type Rng } from "./util/clock";

export interface EngineOptions {
  /** Millisecond clock; a coarse cached clock by default. */
  now?: Now;
  rng?: Rng;
  logger?: Logger;
  /** How long a removed listener's connections may finish their requests before they are cut. */
  drainTimeoutMs?: number;
  /** How often ejection expiry, panic mode and health events are re-evaluated. */
  tickMs?: number;
  /**
   * Upstream HTTP client: `native` (default) drives Node's own llhttp parser on keep-alive sockets;
   * `undici` uses undici's Pool.dispatch. Both honour the same contract; see docs/proxy-engine.md
   * for the measured difference.
   */
  upstream?: "native" | "undici";
}

export interface HealthEvent {
  pool: string;
  backend: string;
  from: BackendHealthState;
  to: BackendHealthState;
  reason: string;
  at: number;
}

export interface BackendHealth {
  pool: string;
  backend: string;
  address: string;
  version: string;
  state: BackendHealthState;
  reason: string;
  since: number;
  inFlight: number;
  /** Peak EWMA of time to response headers (ms); 0 before the first answer. */
  latencyEwmaMs: number;
  ejectedUntil: number | undefined;
}

export interface ListenerInfo {
  name: string;
  protocol: "http" | "tcp";
  tls: boolean;
  host: string;
  port: number;
}

type AnyListener = HttpListener | TcpListener;

interface Reported {
  state: BackendHealthState;
  since: number;
}

/** Identity of a backend across configs: same pool, same id, same address. */
function backendKey(pool: string, id: string, host: string, port: number): string {
  return `${pool}\u0000${id}\u0000${host}\u0000${port}`;
}

/** Options that need a new upstream connection pool when they change. */
function dispatcherSignature(pool: PoolConfig): string {
  return `${pool.circuitBreaker.maxConnections}/${pool.timeouts.connectMs}`;
}

function listenerSignature(l: Listener): string {
  return l.protocol === "tcp" ? TcpListener.signature(l) : HttpListener.signature(l);
}

/**
 * The proxy engine: listeners, pools and their runtime state. `apply` takes a config through
 * parse → diff → build → atomic swap. Requests in flight finish on the objects they started with;
 * backends whose pool, id and address survive keep their in-flight counts, EWMA, health, ejections
 * and metrics; listeners whose bind, protocol, TLS-ness and header limit are unchanged keep their
 * socket and connections.
 */
export class Engine extends EventEmitter<{ health: [HealthEvent] }> {
  private readonly env: EngineEnv;
  private readonly clock: { stop(): void } | undefined;
  private readonly drainTimeoutMs: number;
  private readonly upstreamKind: "native" | "undici";
  private readonly tickTimer: NodeJS.Timeout;
  private current: EngineConfig | undefined;
  private listenerMap = new Map<string, AnyListener>();
  private pools = new Map<string, PoolRuntime>();
  private backends = new Map<string, BackendRuntime>();
  private readonly dispatcherSignatures = new WeakMap<BackendRuntime, string>();
  private readonly checkers = new Map<BackendRuntime, ActiveHealthChecker>();
  private readonly reported = new WeakMap<BackendRuntime, Reported>();
  private readonly poolShared = new Map<string, PoolShared>();
  private readonly routeStats = new Map<string, Series>();
  private readonly limiters = new Map<string, RateLimiter>();
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(options: EngineOptions = {}) {
    super();
    let now = options.now;
    if (now === undefined) {
      const clock = createCoarseClock();
      this.clock = clock;
      now = clock.now;
    }
    this.env = { now, rng: options.rng ?? Math.random, logger: options.logger ?? silentLogger };
    this.drainTimeoutMs = options.drainTimeoutMs ?? 30_000;
    this.upstreamKind = options.upstream ?? "native";
    this.tickTimer = setInterval(() => this.tick(), options.tickMs ?? 100);
    this.tickTimer.unref();
  }

  /** The config the engine runs, as validated and frozen; `undefined` before the first apply. */
  get config(): EngineConfig | undefined {
    return this.current;
  }

  /**
   * Validates and applies a config. Throws `WEIR_E_INVALID_CONFIG` (nothing changed) or
   * `WEIR_E_LISTEN_FAILED` (new listeners closed again, the previous config keeps serving).
   * Calls are serialised.
   */
  apply(input: unknown): Promise<EngineConfig> {
    let config: EngineConfig;
    try {
      config = parseEngineConfig(input);
    } catch (err) {
      return Promise.reject(err);
    }
    const run = this.queue.then(() => this.applyParsed(config));
    this.queue = run.catch(() => {});
    return run;
  }

  private async applyParsed(config: EngineConfig): Promise<EngineConfig> {
    if (this.closed) throw new WeirEngineError("WEIR_E_ENGINE_CLOSED");
    const now = this.env.now();

    // Build: pools over runtime backends (reused when pool, id and address match).
    const backends = new Map<string, BackendRuntime>();
    const created: BackendRuntime[] = [];
    const pools = new Map<string, PoolRuntime>();
    for (const poolConfig of config.pools) {
      const isNewPool = !this.pools.has(poolConfig.name);
      let shared = this.poolShared.get(poolConfig.name);
      if (shared === undefined) {
        shared = new PoolShared(new Series());
        this.poolShared.set(poolConfig.name, shared);
      }
      const list: BackendRuntime[] = [];
      for (const bc of poolConfig.backends) {
        const key = backendKey(poolConfig.name, bc.id, bc.address.host, bc.address.port);
        let b = this.backends.get(key);
        if (b === undefined) {
          b = new BackendRuntime(poolConfig.name, bc, poolConfig.circuitBreaker, now);
          // A backend added to a running pool ramps up; a pool's first backends start at full weight.
          if (!isNewPool) b.warmSince = now;
          created.push(b);
        }
        b.update(bc, poolConfig.circuitBreaker, poolConfig.slowStartMs);
        this.ensureDispatcher(b, poolConfig);
        backends.set(key, b);
        list.push(b);
      }
      const runtime = new PoolRuntime(poolConfig, list, shared, this.env.rng, (b) => this.report(b));
      runtime.refreshPanic(now);
      pools.set(poolConfig.name, runtime);
    }

    // Diff listeners: keep (update state), replace (rebind), add, remove.
    const keep: Array<[AnyListener, Listener]> = [];
    const replace: Array<[AnyListener, AnyListener]> = [];
    const add: AnyListener[] = [];
    for (const lc of config.listeners) {
      const existing = this.listenerMap.get(lc.name);
      if (existing !== undefined && listenerSignature(existing.config) === listenerSignature(lc)) {
        keep.push([existing, lc]);
        continue;
      }
      const fresh = this.createListener(lc, pools);
      if (existing !== undefined) replace.push([existing, fresh]);
      else add.push(fresh);
    }
    const removed = [...this.listenerMap.values()].filter(
      (l) => !config.listeners.some((lc) => lc.name === l.config.name),
    );

    // Bind new listeners before anything changes, so a taken port leaves the old config serving.
    const bound: AnyListener[] = [];
    try {
      for (const l of add) {
        await l.listen();
        bound.push(l);
      }
    } catch (err) {
      await Promise.all(bound.map((l) => l.close(0)));
      for (const b of created) void b.dispatcher?.close().catch(() => {});
      throw new WeirEngineError("WEIR_E_LISTEN_FAILED", `${(err as Error).message}`, { cause: err });
    }

    // Swap.
    const listeners = new Map<string, AnyListener>();
    for (const l of add) listeners.set(l.config.name, l);
    for (const [l, lc] of keep) {
      this.updateListener(l, lc, pools);
      listeners.set(lc.name, l);
    }
    for (const [old, fresh] of replace) {
      // Same port: the old socket must stop listening first (close() releases it at once); its
      // connections finish their requests in the background.
      void old.close(this.drainTimeoutMs).catch(() => {});
      try {
        await fresh.listen();
      } catch (err) {
        this.env.logger.error("listener rebind failed", { listener: fresh.config.name, error: String(err) });
        throw new WeirEngineError(
          "WEIR_E_LISTEN_FAILED",
          `listener "${fresh.config.name}": ${(err as Error).message}`,
          { cause: err },
        );
      }
      listeners.set(fresh.config.name, fresh);
    }
    const previousBackends = this.backends;
    this.listenerMap = listeners;
    this.pools = pools;
    this.backends = backends;
    this.current = config;

    // Retire what the new config dropped: listeners drain, backends finish their requests.
    for (const l of removed) void l.close(this.drainTimeoutMs).catch(() => {});
    for (const [key, b] of previousBackends) {
      if (backends.has(key)) continue;
      this.checkers.get(b)?.stop();
      this.checkers.delete(b);
      void b.dispatcher?.close().catch(() => {});
    }
    this.syncHealthCheckers(pools);
    this.tick();
    this.env.logger.info("config applied", { version: config.version });
    return config;
  }

  private ensureDispatcher(b: BackendRuntime, pool: PoolConfig): void {
    const signature = dispatcherSignature(pool);
    if (b.dispatcher !== undefined && this.dispatcherSignatures.get(b) === signature) return;
    const old = b.dispatcher;
    const options: UpstreamOptions = {
      host: b.host,
      port: b.port,
      authority: b.authority,
      maxConnections: pool.circuitBreaker.maxConnections,
      connectTimeoutMs: pool.timeouts.connectMs,
      onConnectionOpened: () => {
        b.connectionsOpened++;
        b.connectionsOpen++;
      },
      onConnectionClosed: () => {
        b.connectionsOpen--;
      },
    };
    const dispatcher: Upstream =
      this.upstreamKind === "undici" ? new UndiciUpstream(options) : new NativeUpstream(options);
    b.dispatcher = dispatcher;
    this.dispatcherSignatures.set(b, signature);
    // Requests already on the old pool finish there; close() waits for them.
    if (old !== undefined) void old.close().catch(() => {});
  }

  private routeSeries(key: string): Series {
    let s = this.routeStats.get(key);
    if (s === undefined) {
      s = new Series();
      this.routeStats.set(key, s);
    }
    return s;
  }

  private compileRoutes(lc: Listener, pools: Map<string, PoolRuntime>): Router {
    const routes: CompiledRoute[] = lc.routes.map((r) => {
      let limiter: RateLimiter | undefined;
      if (r.rateLimit !== undefined) {
        // Keep the buckets while the route's limit is unchanged: a swap must not reset a client's budget.
        const key = `${lc.name}/${r.name}/${JSON.stringify(r.rateLimit)}`;
        limiter = this.limiters.get(key);
        if (limiter === undefined) {
          limiter = new RateLimiter(r.rateLimit);
          this.limiters.set(key, limiter);
        }
      }
      return compileRoute(
        lc.name,
        r,
        pools.get(r.pool) as PoolRuntime,
        limiter,
        this.routeSeries(`${lc.name}/${r.name}`),
      );
    });
    const fallbackPool = lc.defaultPool === undefined ? undefined : pools.get(lc.defaultPool);
    const fallback =
      fallbackPool === undefined
        ? undefined
        : compileRoute(
            lc.name,
            {
              name: "default",
              match: { pathPrefix: "/" },
              pool: fallbackPool.name,
              requestHeaders: { add: {}, remove: [] },
              responseHeaders: { add: {}, remove: [] },
            },
            fallbackPool,
            undefined,
            this.routeSeries(`${lc.name}/default`),
          );
    return new Router(routes, fallback);
  }

  private httpState(lc: Listener, pools: Map<string, PoolRuntime>): ListenerState {
    return {
      name: lc.name,
      router: this.compileRoutes(lc, pools),
      limits: lc.limits,
      proto: lc.tls ? "https" : "http",
      env: this.env,
      keepAlive: keepAliveHeader(lc.limits.idleTimeoutMs),
    };
  }

  private tcpState(lc: Listener, pools: Map<string, PoolRuntime>): TcpListenerState {
    return {
      name: lc.name,
      pool: pools.get(lc.defaultPool as string) as PoolRuntime,
      idleTimeoutMs: lc.limits.idleTimeoutMs,
      env: this.env,
    };
  }

  private createListener(lc: Listener, pools: Map<string, PoolRuntime>): AnyListener {
    return lc.protocol === "tcp"
      ? new TcpListener(lc, this.tcpState(lc, pools))
      : new HttpListener(lc, this.httpState(lc, pools));
  }

  private updateListener(l: AnyListener, lc: Listener, pools: Map<string, PoolRuntime>): void {
    if (l instanceof TcpListener) l.update(lc, this.tcpState(lc, pools));
    else l.update(lc, this.httpState(lc, pools));
    (l as { config: Listener }).config = lc;
  }

  private syncHealthCheckers(pools: Map<string, PoolRuntime>): void {
    for (const pool of pools.values()) {
      const hc = pool.config.healthCheck;
      for (const b of pool.backends) {
        const existing = this.checkers.get(b);
        if (existing !== undefined && JSON.stringify(existing.config) === JSON.stringify(hc)) continue;
        existing?.stop();
        this.checkers.delete(b);
        if (hc.type === "none") {
          // Without active checks a backend's health comes from outlier detection alone.
          if (!b.healthy) {
            b.healthy = true;
            b.healthReason = "active checks disabled";
          }
          continue;
        }
        const checker = new ActiveHealthChecker(b, hc, this.env, (backend) => this.report(backend));
        this.checkers.set(b, checker);
        checker.start();
      }
    }
  }

  /** Re-evaluates panic mode, ejection decay and state transitions; emits `health` events. */
  private tick(): void {
    const now = this.env.now();
    for (const pool of this.pools.values()) {
      pool.refreshPanic(now);
      const outlier = pool.config.outlier;
      for (const b of pool.backends) {
        if (b.ejectionLevel > 0 && now >= b.ejectedUntil && now - b.lastEjectionEnd > outlier.baseEjectionMs) {
          b.ejectionLevel--;
          b.lastEjectionEnd = now;
        }
        this.report(b);
      }
    }
  }

  private report(b: BackendRuntime): void {
    const now = this.env.now();
    const state = b.healthState(now);
    const last = this.reported.get(b);
    if (last === undefined) {
      this.reported.set(b, { state, since: now });
      if (state !== "healthy") this.emitHealth(b, "healthy", state, now);
      return;
    }
    if (last.state === state) return;
    const from = last.state;
    last.state = state;
    last.since = now;
    this.pools.get(b.pool)?.refreshPanic(now);
    this.emitHealth(b, from, state, now);
  }

  private emitHealth(b: BackendRuntime, from: BackendHealthState, to: BackendHealthState, at: number): void {
    const reason =
      to === "healthy" && from === "ejected"
        ? "ejection ended"
        : to === "draining" || to === "disabled"
          ? `set ${to} by config`
          : b.healthReason;
    this.env.logger.info("backend health", { pool: b.pool, backend: b.id, from, to, reason });
    this.emit("health", { pool: b.pool, backend: b.id, from, to, reason, at });
  }

  /** Every backend of the running config with its state and why. */
  health(): BackendHealth[] {
    const now = this.env.now();
    const out: BackendHealth[] = [];
    for (const pool of this.pools.values()) {
      for (const b of pool.backends) {
        const state = b.healthState(now);
        out.push({
          pool: b.pool,
          backend: b.id,
          address: b.authority,
          version: b.version,
          state,
          reason: state === "healthy" && b.ejections > 0 && b.healthy ? "ejection ended" : b.healthReason,
          since: this.reported.get(b)?.since ?? b.healthSince,
          inFlight: b.inFlight,
          latencyEwmaMs: b.ewmaMs,
          ejectedUntil: now < b.ejectedUntil ? b.ejectedUntil : undefined,
        });
      }
    }
    return out;
  }

  /** Where each listener is bound (port 0 in the config resolves to the port the OS chose). */
  listenerInfo(): ListenerInfo[] {
    return [...this.listenerMap.values()].map((l) => ({
      name: l.config.name,
      protocol: l.config.protocol,
      tls: l.config.tls !== undefined,
      ...l.address(),
    }));
  }

  /** Port a listener is bound to; throws for an unknown name. */
  port(listener: string): number {
    const l = this.listenerMap.get(listener);
    if (l === undefined) throw new Error(`no listener "${listener}"`);
    return l.address().port;
  }

  readonly metrics = {
    snapshot: (): MetricsSnapshot => this.snapshot(),
    prometheus: (): string => toPrometheus(this.snapshot()),
  };

  private snapshot(): MetricsSnapshot {
    const now = this.env.now();
    const routes: MetricsSnapshot["routes"] = {};
    for (const [key, s] of this.routeStats) routes[key] = s.snapshot();
    const pools: MetricsSnapshot["pools"] = {};
    for (const [name, shared] of this.poolShared) {
      pools[name] = { ...shared.stats.snapshot(), ejections: shared.ejections, panic: shared.panic };
    }
    const backends: Record<string, BackendSnapshot> = {};
    for (const b of this.backends.values()) {
      backends[`${b.pool}/${b.id}`] = {
        ...b.stats.snapshot(),
        pool: b.pool,
        id: b.id,
        version: b.version,
        health: b.healthState(now),
        ejections: b.ejections,
        connectionsOpened: b.connectionsOpened,
        connectionsOpen: b.connectionsOpen,
      };
    }
    const listeners: MetricsSnapshot["listeners"] = {};
    for (const l of this.listenerMap.values()) {
      listeners[l.config.name] = { connectionsOpen: l.connections.open, connectionsAccepted: l.connections.accepted };
    }
    return { takenAt: Date.now(), configVersion: this.current?.version ?? 0, routes, pools, backends, listeners };
  }

  /** Stops listening, lets in-flight requests finish (up to the drain timeout), closes upstream pools. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.queue;
    clearInterval(this.tickTimer);
    this.clock?.stop();
    for (const c of this.checkers.values()) c.stop();
    this.checkers.clear();
    await Promise.all([...this.listenerMap.values()].map((l) => l.close(this.drainTimeoutMs)));
    await Promise.all([...this.backends.values()].map((b) => b.dispatcher?.destroy().catch(() => {})));
    this.listenerMap.clear();
  }
}

export function createEngine(options: EngineOptions = {}): Engine {
  return new Engine(options);
}
