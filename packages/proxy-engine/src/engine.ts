import { EventEmitter } from "node:events";
import {
  type BackendHealthState,
  type BackendSnapshot,
  type EngineConfig,
  type Listener,
  type MetricsSnapshot,
  type Pool as PoolConfig,
  parseEngineConfig,
  WeirConfigError,
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
import { StickySigner } from "./sticky";
import { TcpListener, type TcpListenerState } from "./tcp/listener";
import { SniTable } from "./tls";
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

/**
 * One listener of the running config. `failed`: its address could not be bound (`reason`, e.g.
 * "127.0.0.1:8080 is in use by another program"); it is tried again at `retryAt` (engine clock,
 * ms), and `servingOn` says where its previous binding still serves its routes, if anywhere.
 */
export type ListenerStatus =
  | { name: string; state: "serving" }
  | { name: string; state: "failed"; reason: string; retryAt: number; servingOn?: string };

/** A listener of the new config that needs a socket of its own, and how binding it went. */
interface Rebind {
  lc: Listener;
  listener: AnyListener;
  /** Its current listener, while it can still serve (not released for its port). */
  old: AnyListener | undefined;
  /** Why the bind failed; undefined when it is bound. */
  reason?: string;
}

interface ListenerRetry {
  config: Listener;
  reason: string;
  retryAt: number;
  timer: NodeJS.Timeout;
}

/** Back-off of a listener's bind retries: 1 s doubling to 30 s. */
const RETRY_BASE_MS = 1000;
const RETRY_MAX_MS = 30_000;

/**
 * Every TLS listener's certificate table, built before anything is bound or changed: a certificate
 * or key that does not load refuses the whole config (`WEIR_E_INVALID_CONFIG`), as a schema error does.
 */
function certificateTables(config: EngineConfig): Map<string, SniTable> {
  const tables = new Map<string, SniTable>();
  const issues: string[] = [];
  config.listeners.forEach((lc, i) => {
    if (lc.tls === undefined) return;
    try {
      tables.set(lc.name, new SniTable(lc.tls.certificates));
    } catch (err) {
      issues.push(`listeners[${i}].tls.certificates: ${(err as Error).message}`);
    }
  });
  if (issues.length > 0) throw new WeirConfigError("WEIR_E_INVALID_CONFIG", issues);
  return tables;
}

const WILDCARD_HOSTS = new Set(["0.0.0.0", "::", "[::]"]);

/** Whether binding `want` needs the port `held` is bound to (a wildcard host takes every address). */
function overlaps(want: { host: string; port: number }, held: { host: string; port: number }): boolean {
  if (want.port !== held.port) return false;
  return want.host === held.host || WILDCARD_HOSTS.has(want.host) || WILDCARD_HOSTS.has(held.host);
}

/** The new config of a listener that keeps its old socket: its routes, on the old bind and TLS-ness. */
function retainedOn(old: Listener, next: Listener): Listener {
  return {
    ...next,
    bind: old.bind,
    // The old socket speaks TLS or not; the new certificates only when it does.
    tls: (old.tls === undefined) === (next.tls === undefined) ? next.tls : old.tls,
    limits: { ...next.limits, maxHeaderBytes: old.limits.maxHeaderBytes },
  };
}

function addressText(a: { host: string; port: number }): string {
  return a.host.includes(":") ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`;
}

function bindFailure(lc: Listener, err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  const address = addressText(lc.bind);
  if (code === "EADDRINUSE") return `${address} is in use by another program`;
  if (code === "EACCES") return `${address}: permission denied (ports below 1024 need privileges)`;
  if (code === "EADDRNOTAVAIL") return `${address}: no such local address`;
  return `${address}: ${(err as Error).message}`;
}

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
export class Engine extends EventEmitter<{ health: [HealthEvent]; listeners: [ListenerStatus[]] }> {
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
  /** Route series and limiter keys the running generation uses: what `prune` keeps. */
  private readonly liveRoutes = new Set<string>();
  private readonly liveLimiters = new Set<string>();
  /** Listeners of the running config that could not bind, retried with back-off. */
  private readonly retries = new Map<string, ListenerRetry>();
  private readonly ownStickyKeys = StickySigner.ephemeral();
  /** Certificate tables of the config being applied or running, by listener name. */
  private tls = new Map<string, SniTable>();
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
   * Validates and applies a config, in two steps:
   * 1. **Prepare**, touching nothing that serves traffic: parse (`WEIR_E_INVALID_CONFIG` when it
   *    fails: nothing changed), then reserve a socket for every listener that needs a new one.
   *    A freshly bound listener holds the connections it accepts until step 2.
   * 2. **Commit**, synchronously (no request can run in between): backends, pools, routes and
   *    listener states of the new generation replace the old ones in one step.
   *
   * A listener whose socket cannot be bound (its port is another program's) is left out of the
   * commit and everything else goes ahead: it keeps its previous binding when it had one and the
   * protocol is unchanged (serving the new routes there), is retried with back-off, and is
   * reported `failed` with its reason by `listenerStatus()` and the `listeners` event. The only
   * step that touches a live listener before the commit is releasing a socket for a rebind on the
   * same address (TLS or header limit changed): that socket must be freed before it can be bound
   * again. Calls are serialised.
   */
  apply(input: unknown): Promise<EngineConfig> {
    let config: EngineConfig;
    let tls: Map<string, SniTable>;
    try {
      config = parseEngineConfig(input);
      tls = certificateTables(config);
    } catch (err) {
      return Promise.reject(err);
    }
    const run = this.queue.then(() => this.applyParsed(config, tls));
    this.queue = run.catch(() => {});
    return run;
  }

  /** Each listener of the running config: serving, or failed with why and when it is tried again. */
  listenerStatus(): ListenerStatus[] {
    return (this.current?.listeners ?? []).map((lc) => {
      const failure = this.retries.get(lc.name);
      if (failure === undefined) return { name: lc.name, state: "serving" };
      const kept = this.listenerMap.get(lc.name);
      return {
        name: lc.name,
        state: "failed",
        reason: failure.reason,
        retryAt: failure.retryAt,
        ...(kept ? { servingOn: addressText(kept.address()) } : {}),
      };
    });
  }

  private async applyParsed(config: EngineConfig, tls: Map<string, SniTable>): Promise<EngineConfig> {
    if (this.closed) throw new WeirEngineError("WEIR_E_ENGINE_CLOSED");
    this.tls = tls;
    // The new config decides every listener afresh; pending retries belong to the old one.
    this.cancelRetries();

    // Prepare: which listeners keep their socket, which need a new one, and bind those.
    const keep: Array<[AnyListener, Listener]> = [];
    const rebind: Rebind[] = [];
    for (const lc of config.listeners) {
      const existing = this.listenerMap.get(lc.name);
      if (existing !== undefined && listenerSignature(existing.config) === listenerSignature(lc)) {
        keep.push([existing, lc]);
        continue;
      }
      rebind.push({ lc, listener: this.createListener(lc), old: existing });
    }
    // A port the new config gives to a fresh socket may be held by one of our own listeners that
    // is leaving, moving or being rebound (renamed, ports swapped, TLS toggled): that listener lets
    // go of it first, so the bind does not fail on Weir itself.
    const kept = new Set(keep.map(([l]) => l));
    const released = new Set<AnyListener>();
    for (const l of this.listenerMap.values()) {
      if (kept.has(l)) continue;
      const held = l.address();
      if (rebind.some((entry) => entry.lc.bind.port !== 0 && overlaps(entry.lc.bind, held))) {
        void l.close(this.drainTimeoutMs).catch(() => {});
        released.add(l);
      }
    }
    for (const entry of rebind) {
      if (entry.old !== undefined && released.has(entry.old)) entry.old = undefined;
      try {
        await entry.listener.listen();
      } catch (err) {
        entry.reason = bindFailure(entry.lc, err);
        void entry.listener.close(0).catch(() => {});
      }
    }
    if (this.closed) {
      for (const entry of rebind) void entry.listener.close(0).catch(() => {});
      throw new WeirEngineError("WEIR_E_ENGINE_CLOSED");
    }

    // Commit: synchronous from here on. Should it throw (a bug, not a config problem: those were
    // refused before), the sockets this apply bound are closed rather than left parked forever.
    try {
      this.commit(config, keep, rebind, released);
    } catch (err) {
      for (const entry of rebind)
        if (this.listenerMap.get(entry.lc.name) !== entry.listener) void entry.listener.close(0).catch(() => {});
      throw err;
    }
    return config;
  }

  private commit(
    config: EngineConfig,
    keep: ReadonlyArray<[AnyListener, Listener]>,
    rebind: ReadonlyArray<Rebind>,
    released: ReadonlySet<AnyListener>,
  ): void {
    const now = this.env.now();
    const { pools, backends } = this.buildPools(config, now);
    this.liveRoutes.clear();
    this.liveLimiters.clear();
    const listeners = new Map<string, AnyListener>();
    for (const [l, lc] of keep) {
      this.updateListener(l, lc, pools);
      listeners.set(lc.name, l);
    }
    const failed: Array<{ lc: Listener; reason: string }> = [];
    for (const { lc, listener, old, reason } of rebind) {
      if (reason === undefined) {
        this.activateListener(listener, lc, pools);
        listeners.set(lc.name, listener);
        if (old !== undefined) void old.close(this.drainTimeoutMs).catch(() => {});
        continue;
      }
      failed.push({ lc, reason });
      if (old !== undefined && old.config.protocol === lc.protocol) {
        // Keep serving where it is, with the new routes, until the new address can be bound.
        this.updateListener(old, retainedOn(old.config, lc), pools);
        listeners.set(lc.name, old);
      } else if (old !== undefined) {
        void old.close(this.drainTimeoutMs).catch(() => {});
      }
    }
    const removed = [...this.listenerMap.values()].filter((l) => !listeners.has(l.config.name) && !released.has(l));
    const previousBackends = this.backends;
    this.listenerMap = listeners;
    this.pools = pools;
    this.backends = backends;
    this.current = config;

    // Retire what the new config dropped: listeners drain, backends finish their requests, and
    // the side tables forget pools and routes that are gone.
    for (const l of removed) void l.close(this.drainTimeoutMs).catch(() => {});
    for (const [key, b] of previousBackends) {
      if (backends.has(key)) continue;
      this.checkers.get(b)?.stop();
      this.checkers.delete(b);
      void b.dispatcher?.close().catch(() => {});
    }
    this.prune(config);
    this.syncHealthCheckers(pools);
    this.tick();
    for (const { lc, reason } of failed) this.scheduleRetry(lc, reason, 0);
    if (failed.length > 0)
      this.env.logger.warn("config applied in part", {
        version: config.version,
        failed: failed.map(({ lc, reason }) => `${lc.name}: ${reason}`),
      });
    else this.env.logger.info("config applied", { version: config.version });
    this.emit("listeners", this.listenerStatus());
  }

  /** The new generation's pools over runtime backends (reused when pool, id and address match). */
  private buildPools(config: EngineConfig, now: number) {
    // The control plane's fleet-wide keys; without any, this engine's own, made once.
    const sticky = config.stickyKeys.length > 0 ? new StickySigner(config.stickyKeys) : this.ownStickyKeys;
    const backends = new Map<string, BackendRuntime>();
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
        }
        b.update(bc, poolConfig.circuitBreaker, poolConfig.slowStartMs);
        this.ensureDispatcher(b, poolConfig);
        backends.set(key, b);
        list.push(b);
      }
      const runtime = new PoolRuntime(poolConfig, list, shared, this.env.rng, (b) => this.report(b), sticky);
      runtime.refreshPanic(now);
      pools.set(poolConfig.name, runtime);
    }
    return { pools, backends };
  }

  /** Forgets per-pool, per-route and rate-limit state of what the running config no longer has. */
  private prune(config: EngineConfig): void {
    const poolNames = new Set(config.pools.map((p) => p.name));
    for (const name of this.poolShared.keys()) if (!poolNames.has(name)) this.poolShared.delete(name);
    for (const key of this.routeStats.keys()) if (!this.liveRoutes.has(key)) this.routeStats.delete(key);
    for (const key of this.limiters.keys()) if (!this.liveLimiters.has(key)) this.limiters.delete(key);
  }

  private scheduleRetry(lc: Listener, reason: string, attempt: number): void {
    const delay = Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** attempt);
    const timer = setTimeout(() => {
      this.queue = this.queue.then(() => this.retryListener(lc, attempt)).catch(() => {});
    }, delay);
    timer.unref();
    this.retries.set(lc.name, { config: lc, reason, retryAt: this.env.now() + delay, timer });
  }

  private cancelRetries(): void {
    for (const retry of this.retries.values()) clearTimeout(retry.timer);
    this.retries.clear();
  }

  /** Binds a listener left out of the last commit; on success it takes over from its old binding. */
  private async retryListener(lc: Listener, attempt: number): Promise<void> {
    if (this.closed || this.retries.get(lc.name)?.config !== lc) return;
    const listener = this.createListener(lc);
    try {
      await listener.listen();
    } catch (err) {
      void listener.close(0).catch(() => {});
      if (this.retries.get(lc.name)?.config !== lc) return;
      this.scheduleRetry(lc, bindFailure(lc, err), attempt + 1);
      this.emit("listeners", this.listenerStatus());
      return;
    }
    if (this.closed || this.retries.get(lc.name)?.config !== lc) {
      void listener.close(0).catch(() => {});
      return;
    }
    this.activateListener(listener, lc, this.pools);
    const old = this.listenerMap.get(lc.name);
    this.listenerMap.set(lc.name, listener);
    if (old !== undefined) void old.close(this.drainTimeoutMs).catch(() => {});
    this.retries.delete(lc.name);
    this.env.logger.info("listener bound on retry", { listener: lc.name, attempts: attempt + 2 });
    this.emit("listeners", this.listenerStatus());
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
      now: this.env.now,
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
    this.liveRoutes.add(key);
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
        this.liveLimiters.add(key);
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
      limits: lc.limits,
      env: this.env,
    };
  }

  /** A listener that can bind but serves nothing until `activateListener`. */
  private createListener(lc: Listener): AnyListener {
    const sni = this.tls.get(lc.name);
    return lc.protocol === "tcp" ? new TcpListener(lc, sni) : new HttpListener(lc, sni);
  }

  private activateListener(l: AnyListener, lc: Listener, pools: Map<string, PoolRuntime>): void {
    if (l instanceof TcpListener) l.activate(this.tcpState(lc, pools));
    else l.activate(this.httpState(lc, pools));
  }

  private updateListener(l: AnyListener, lc: Listener, pools: Map<string, PoolRuntime>): void {
    // Built and validated by `apply`; absent for a listener kept on an old TLS socket the new
    // config made plain, whose old certificates are loaded again.
    const sni = this.tls.get(lc.name);
    if (l instanceof TcpListener) l.update(lc, this.tcpState(lc, pools), sni);
    else l.update(lc, this.httpState(lc, pools), sni);
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
      listeners[l.config.name] = {
        connectionsOpen: l.connections.open,
        connectionsAccepted: l.connections.accepted,
        connectionsRefused: l.connections.refused,
      };
    }
    return { takenAt: now, configVersion: this.current?.version ?? 0, routes, pools, backends, listeners };
  }

  /** Stops listening, lets in-flight requests finish (up to the drain timeout), closes upstream pools. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.queue;
    clearInterval(this.tickTimer);
    this.clock?.stop();
    this.cancelRetries();
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
