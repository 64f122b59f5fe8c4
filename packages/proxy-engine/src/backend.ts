import type { Backend, BackendHealthState, CircuitBreaker } from "@weir/config";
import { Series } from "./metrics/series";
import type { Upstream } from "./upstream/types";

/**
 * The engine's runtime state for one backend: what outlives a config swap while the backend's id
 * and address stay (in-flight count, EWMA, health, ejections, smooth-WRR weight, slow-start clock,
 * metrics), beside the config fields the current snapshot gave it. Balancers read it; they never
 * own it, which is what lets a swap rebuild every balancer without losing state.
 */
export class BackendRuntime {
  readonly pool: string;
  readonly id: string;
  readonly host: string;
  readonly port: number;
  /** `host:port`, built once for logs, check requests and the Host of health checks. */
  readonly authority: string;

  // From the current config (rewritten in place by a swap).
  weight: number;
  version: string;
  adminState: Backend["state"];
  maxRequests: number;
  maxPendingOverConnections: number;
  slowStartMs = 0;

  /** Keep-alive connections to this backend; replaced when their options change. */
  dispatcher: Upstream | undefined;

  // Balancer state.
  inFlight = 0;
  swrrCurrent = 0;
  /** Peak EWMA of time to response headers, ms; 0 until the first response. */
  ewmaMs = 0;
  ewmaStamp = 0;

  // Active health: optimistic until the first checks say otherwise.
  healthy = true;
  healthReason = "no check yet";
  healthSince = 0;
  checkPasses = 0;
  checkFailures = 0;

  // Passive outlier detection.
  consecutive5xx = 0;
  consecutiveConnectFailures = 0;
  ejectedUntil = 0;
  /** Multiplier of the next ejection's duration (2^ejectionLevel); decays while the backend behaves. */
  ejectionLevel = 0;
  ejections = 0;
  lastEjectionEnd = 0;

  /** When the slow-start ramp began (added, recovered or back from ejection). */
  warmSince = Number.NEGATIVE_INFINITY;

  connectionsOpened = 0;
  connectionsOpen = 0;
  readonly stats = new Series();

  constructor(pool: string, config: Backend, breaker: CircuitBreaker, now: number) {
    this.pool = pool;
    this.id = config.id;
    this.host = config.address.host;
    this.port = config.address.port;
    this.authority = `${this.host.includes(":") ? `[${this.host}]` : this.host}:${this.port}`;
    this.weight = config.weight;
    this.version = config.version;
    this.adminState = config.state;
    this.maxRequests = breaker.maxRequests;
    this.maxPendingOverConnections = breaker.maxConnections + breaker.maxPending;
    this.healthSince = now;
  }

  update(config: Backend, breaker: CircuitBreaker, slowStartMs: number): void {
    this.weight = config.weight;
    this.version = config.version;
    this.adminState = config.state;
    this.maxRequests = breaker.maxRequests;
    this.maxPendingOverConnections = breaker.maxConnections + breaker.maxPending;
    this.slowStartMs = slowStartMs;
  }

  /** Healthy, not ejected, not draining or disabled. Panic mode ignores health and ejection. */
  isUp(now: number, panic: boolean): boolean {
    if (this.adminState !== "active" || this.weight === 0) return false;
    if (panic) return true;
    return this.healthy && now >= this.ejectedUntil;
  }

  /** Circuit breaking: room for one more request (in flight, or waiting for a connection). */
  hasCapacity(): boolean {
    return this.inFlight < this.maxRequests && this.inFlight < this.maxPendingOverConnections;
  }

  /** Weight scaled by the slow-start ramp: 10% when the ramp starts, linear to 100%. */
  effectiveWeight(now: number): number {
    const elapsed = now - this.warmSince;
    if (this.slowStartMs <= 0 || elapsed >= this.slowStartMs) return this.weight;
    const factor = 0.1 + (0.9 * Math.max(0, elapsed)) / this.slowStartMs;
    return this.weight * factor;
  }

  healthState(now: number): BackendHealthState {
    if (this.adminState === "disabled") return "disabled";
    if (this.adminState === "draining") return "draining";
    if (!this.healthy) return "unhealthy";
    if (now < this.ejectedUntil) return "ejected";
    return "healthy";
  }

  /** Peak-sensitive EWMA (Finagle/linkerd): a slower sample replaces the average at once, faster ones decay into it. */
  observeLatency(ms: number, now: number, decayMs: number): void {
    if (this.ewmaMs === 0 || ms > this.ewmaMs) {
      this.ewmaMs = ms;
    } else {
      const w = Math.exp(-Math.max(0, now - this.ewmaStamp) / decayMs);
      this.ewmaMs = this.ewmaMs * w + ms * (1 - w);
    }
    this.ewmaStamp = now;
  }
}
