import type { Pool } from "@weir/config";
import type { BackendRuntime } from "./backend";
import { type Balancer, createBalancer, usesHash } from "./balancers";
import { eligible, type PickContext } from "./balancers/types";
import type { Series } from "./metrics/series";
import { StickySigner } from "./sticky";
import type { Rng } from "./util/clock";
import { hash32 } from "./util/hash";

/** What a pool needs to know about the request it balances. The exchange implements it. */
export interface RequestKeys extends PickContext {
  readonly clientIp: string;
  header(lower: string): string | undefined;
  cookie(name: string): string | undefined;
}

/** Per-pool state that outlives config swaps (keyed by pool name). */
export class PoolShared {
  retriesActive = 0;
  ejections = 0;
  panic = false;
  constructor(readonly stats: Series) {}
}

/** Buckets of the traffic split: 10,000 gives the slider 0.01% steps. */
export const SPLIT_BUCKETS = 10_000;

const HASH_NONE = 0;
const HASH_IP = 1;
const HASH_HEADER = 2;
const HASH_COOKIE = 3;

/**
 * One pool of one config generation: its backends (runtime objects shared with other generations),
 * a balancer over them (one per version when the pool has a traffic split), and the rules that pick
 * among versions. Immutable apart from the shared state it points to; a swap builds a new one.
 */
export class PoolRuntime {
  readonly name: string;
  readonly backends: readonly BackendRuntime[];
  private readonly balancer: Balancer;
  private readonly byVersion: ReadonlyMap<string, Balancer>;
  private readonly hashSource: number;
  private readonly hashName: string;
  private readonly canaryBuckets: number;
  readonly stickyCookie: string | undefined;
  /** `; Path=/; HttpOnly; SameSite=Lax[; Max-Age=n]`, built once; the `Secure` one for TLS listeners. */
  readonly stickyAttributes: string;
  readonly stickyAttributesSecure: string;
  /** Every cookie value any key in force makes, to its backend; and each backend's current value. */
  private readonly stickyBackends = new Map<string, BackendRuntime>();
  private readonly stickyValues = new Map<BackendRuntime, string>();

  constructor(
    readonly config: Pool,
    backends: readonly BackendRuntime[],
    readonly shared: PoolShared,
    private readonly rng: Rng,
    private readonly onEject: (b: BackendRuntime) => void,
    sticky: StickySigner = StickySigner.ephemeral(),
  ) {
    this.name = config.name;
    this.backends = backends;
    this.balancer = createBalancer(config.algorithm, backends, { rng });
    const versions = new Map<string, BackendRuntime[]>();
    for (const b of backends) {
      const list = versions.get(b.version) ?? [];
      list.push(b);
      versions.set(b.version, list);
    }
    this.byVersion = config.trafficSplit
      ? new Map([...versions].map(([v, list]) => [v, createBalancer(config.algorithm, list, { rng })]))
      : new Map();
    if (config.algorithm === "ip_hash") this.hashSource = HASH_IP;
    else if (!usesHash(config.algorithm)) this.hashSource = HASH_NONE;
    else
      this.hashSource =
        config.hashOn?.source === "header" ? HASH_HEADER : config.hashOn?.source === "cookie" ? HASH_COOKIE : HASH_IP;
    this.hashName =
      config.hashOn?.source === "header" ? (config.hashOn.name ?? "").toLowerCase() : (config.hashOn?.name ?? "");
    this.canaryBuckets = Math.round((config.trafficSplit?.canaryPercent ?? 0) * (SPLIT_BUCKETS / 100));
    this.stickyCookie = config.stickiness.enabled ? config.stickiness.cookieName : undefined;
    const maxAge = config.stickiness.ttlSeconds > 0 ? `; Max-Age=${config.stickiness.ttlSeconds}` : "";
    this.stickyAttributes = `; Path=/; HttpOnly; SameSite=Lax${maxAge}`;
    this.stickyAttributesSecure = `${this.stickyAttributes}; Secure`;
    if (this.stickyCookie !== undefined)
      for (const b of backends)
        sticky.keys.forEach((key, i) => {
          const value = sticky.value(key, this.name, b.id);
          this.stickyBackends.set(value, b);
          if (i === 0) this.stickyValues.set(b, value);
        });
  }

  /** The balancing key's hash for this request; 0 when the algorithm does not hash. */
  hashOf(keys: RequestKeys): number {
    switch (this.hashSource) {
      case HASH_NONE:
        return 0;
      case HASH_IP:
        return hash32(keys.clientIp);
      case HASH_HEADER:
        return hash32(keys.header(this.hashName) ?? "");
      default:
        return hash32(keys.cookie(this.hashName) ?? "");
    }
  }

  /** The sticky cookie's value for `b` under the signing key. */
  stickyValue(b: BackendRuntime): string | undefined {
    return this.stickyValues.get(b);
  }

  /** Sticky session first, then the traffic split's version, then the balancer. */
  select(keys: RequestKeys): BackendRuntime | undefined {
    if (this.stickyCookie !== undefined && keys.tried.length === 0) {
      const value = keys.cookie(this.stickyCookie);
      const b = value === undefined ? undefined : this.stickyBackends.get(value);
      if (b !== undefined && eligible(b, keys)) return b;
    }
    const split = this.config.trafficSplit;
    if (split === undefined) return this.balancer.pick(keys);
    const version = this.versionFor(keys);
    const chosen = this.byVersion.get(version)?.pick(keys);
    if (chosen !== undefined) return chosen;
    // The chosen version has nothing up: serve from the other side of the split rather than fail.
    const other = version === split.canaryVersion ? split.stableVersion : split.canaryVersion;
    return this.byVersion.get(other)?.pick(keys);
  }

  /** The version this request goes to: override header, override cookie, then the sticky bucket. */
  versionFor(keys: RequestKeys): string {
    const split = this.config.trafficSplit;
    if (split === undefined) return "";
    const forced = keys.header(split.overrideHeader.toLowerCase()) ?? keys.cookie(split.overrideCookie);
    if (forced !== undefined && this.byVersion.has(forced)) return forced;
    return this.bucketOf(keys) < this.canaryBuckets ? split.canaryVersion : split.stableVersion;
  }

  /**
   * A client's bucket depends only on its key, never on the percentage: raising the percentage
   * moves buckets from stable to canary, never back.
   */
  bucketOf(keys: RequestKeys): number {
    const split = this.config.trafficSplit;
    let key: string | undefined;
    switch (split?.stickyOn) {
      case "client_ip":
        key = keys.clientIp;
        break;
      case "header":
        key = keys.header((split.stickyName ?? "").toLowerCase());
        break;
      case "cookie":
        key = keys.cookie(split.stickyName ?? "");
        break;
      default:
        key = undefined;
    }
    if (key === undefined) return Math.floor(this.rng() * SPLIT_BUCKETS);
    return hash32(key, 0x5eed) % SPLIT_BUCKETS;
  }

  /** Whether a backend that is up exists but is full: tells 503 "circuit open" from "none healthy". */
  anyUpButFull(now: number): boolean {
    const panic = this.shared.panic;
    for (const b of this.backends) if (b.isUp(now, panic) && !b.hasCapacity()) return true;
    return false;
  }

  canRetry(): boolean {
    const retry = this.config.retry;
    const allowed = Math.max(retry.minConcurrentRetries, (retry.budgetPercent / 100) * this.shared.stats.active);
    return this.shared.retriesActive < allowed;
  }

  // Passive outlier detection.

  onSuccess(b: BackendRuntime): void {
    b.consecutive5xx = 0;
    b.consecutiveConnectFailures = 0;
  }

  on5xx(b: BackendRuntime, now: number): void {
    b.consecutiveConnectFailures = 0;
    if (++b.consecutive5xx >= this.config.outlier.consecutive5xx)
      this.eject(b, now, `${b.consecutive5xx} consecutive 5xx`);
  }

  onConnectFailure(b: BackendRuntime, now: number, reason: string): void {
    if (++b.consecutiveConnectFailures >= this.config.outlier.consecutiveConnectFailures) {
      this.eject(b, now, `${b.consecutiveConnectFailures} consecutive connect failures (${reason})`);
    }
  }

  /**
   * Ejects for base × 2^level (capped), unless that would put more than maxEjectedPercent of the
   * pool out (one backend may always be ejected). The backend comes back by itself when the time
   * is up, then ramps up through slow start.
   */
  eject(b: BackendRuntime, now: number, reason: string): boolean {
    const outlier = this.config.outlier;
    if (!outlier.enabled || now < b.ejectedUntil) return false;
    let ejected = 0;
    for (const other of this.backends) if (now < other.ejectedUntil) ejected++;
    const max = Math.max(1, Math.floor((this.backends.length * outlier.maxEjectedPercent) / 100));
    if (ejected >= max) return false;
    const duration = Math.min(outlier.baseEjectionMs * 2 ** b.ejectionLevel, outlier.maxEjectionMs);
    b.ejectedUntil = now + duration;
    b.lastEjectionEnd = b.ejectedUntil;
    b.ejectionLevel = Math.min(b.ejectionLevel + 1, 30);
    b.ejections++;
    b.warmSince = b.ejectedUntil;
    b.consecutive5xx = 0;
    b.consecutiveConnectFailures = 0;
    b.healthReason = `ejected for ${duration} ms: ${reason}`;
    this.shared.ejections++;
    this.refreshPanic(now);
    this.onEject(b);
    return true;
  }

  /** Panic when fewer than panicThresholdPercent of the active backends are up: then spread over all. */
  refreshPanic(now: number): void {
    let total = 0;
    let up = 0;
    for (const b of this.backends) {
      if (b.adminState !== "active" || b.weight === 0) continue;
      total++;
      if (b.isUp(now, false)) up++;
    }
    this.shared.panic = total > 0 && (up * 100) / total < this.config.panicThresholdPercent;
  }
}
