import { z } from "zod";

/**
 * The data-plane config: what one agent's proxy engine runs. Every object is strict (an unknown
 * key is an error, so a typo never silently falls back to a default) and every optional setting
 * has its default here, once. The control plane stores a pool's settings as JSON columns validated
 * by the sub-schemas below, so each is exported with its type.
 */

const name = z
  .string()
  .min(1, "must not be empty")
  .max(63, "must be at most 63 characters")
  .regex(/^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?$/, "must be letters, digits, '.', '_' and '-'");

const headerName = z
  .string()
  .min(1, "must not be empty")
  .max(256, "must be at most 256 characters")
  .regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, "must be a valid HTTP header name (RFC 9110 token)");

/** Header values: no CR, LF or other control characters (tab allowed), so no header injection. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
const CONTROL_CHARACTERS = /^[^\u0000-\u0008\u000a-\u001f\u007f]*$/;
const headerValue = z.string().max(8192).regex(CONTROL_CHARACTERS, "must not contain CR, LF or control characters");

const ms = (min: number, max: number) =>
  z
    .int("must be a whole number of milliseconds")
    .min(min, `must be at least ${min} ms`)
    .max(max, `must be at most ${max} ms`);

export const addressSchema = z.strictObject({
  host: z.string().min(1, "must not be empty").max(253),
  port: z.int().min(0).max(65535),
});
export type Address = z.output<typeof addressSchema>;

export const algorithmNames = [
  "round_robin",
  "weighted_round_robin",
  "least_connections",
  "p2c_least_request",
  "peak_ewma",
  "random",
  "ip_hash",
  "ring_hash",
  "maglev",
] as const;
export const algorithmSchema = z.enum(algorithmNames);
export type Algorithm = z.output<typeof algorithmSchema>;

/** What a hashing balancer (ring_hash, maglev) hashes. `ip_hash` always hashes the client IP. */
export const hashOnSchema = z
  .strictObject({
    source: z.enum(["client_ip", "header", "cookie"]).default("client_ip"),
    /** Header or cookie name; required unless source is client_ip. */
    name: z.string().min(1).max(256).optional(),
  })
  .refine((h) => h.source === "client_ip" || h.name !== undefined, {
    message: "name is required when source is header or cookie",
    path: ["name"],
  });
export type HashOn = z.output<typeof hashOnSchema>;

/** "200", "2xx": an exact status or a class. */
const statusPattern = z.union([
  z.int().min(100).max(599),
  z.string().regex(/^[1-5](\d\d|xx)$/, "must be a status like 200 or a class like 2xx"),
]);

export const healthCheckSchema = z.strictObject({
  /** `none` disables active checks; passive outlier detection still applies. */
  type: z.enum(["http", "tcp", "none"]).default("http"),
  path: z.string().startsWith("/", "must start with /").max(2048).default("/healthz"),
  /** Host header sent with HTTP checks; the backend's address when unset. */
  host: z.string().min(1).max(253).optional(),
  expectedStatuses: z.array(statusPattern).min(1).default(["2xx"]),
  intervalMs: ms(50, 3_600_000).default(5_000),
  /** Each interval is stretched by up to this percentage, at random, so checks do not align. */
  jitterPercent: z.number().min(0).max(100).default(10),
  timeoutMs: ms(10, 60_000).default(2_000),
  /** Consecutive passes before an unhealthy backend is healthy again ("rise"). */
  healthyThreshold: z.int().min(1).max(100).default(2),
  /** Consecutive failures before a healthy backend is unhealthy ("fall"). */
  unhealthyThreshold: z.int().min(1).max(100).default(3),
});
export type HealthCheck = z.output<typeof healthCheckSchema>;

export const outlierSchema = z.strictObject({
  enabled: z.boolean().default(true),
  /** Consecutive 5xx answers that eject a backend. */
  consecutive5xx: z.int().min(1).max(1000).default(5),
  /** Consecutive connect failures (refused, reset, connect timeout) that eject a backend. */
  consecutiveConnectFailures: z.int().min(1).max(1000).default(3),
  /** First ejection lasts this long; each further one doubles it, up to maxEjectionMs. */
  baseEjectionMs: ms(100, 3_600_000).default(30_000),
  maxEjectionMs: ms(100, 86_400_000).default(300_000),
  /** Never eject more than this share of the pool (one backend may always be ejected). */
  maxEjectedPercent: z.number().min(0).max(100).default(50),
});
export type Outlier = z.output<typeof outlierSchema>;

export const retrySchema = z.strictObject({
  /** Further attempts after the first, each on a different backend when one is available. */
  attempts: z.int().min(0).max(10).default(2),
  /** What is retried. Only idempotent requests without a body are ever retried. */
  retryOn: z
    .array(z.enum(["connect_failure", "reset", "502", "503", "504"]))
    .default(["connect_failure", "reset", "502", "503", "504"]),
  /** Retries in flight may not exceed this share of the pool's requests in flight... */
  budgetPercent: z.number().min(0).max(100).default(20),
  /** ...except that this many concurrent retries are always allowed. */
  minConcurrentRetries: z.int().min(0).max(10_000).default(10),
});
export type Retry = z.output<typeof retrySchema>;

export const timeoutsSchema = z.strictObject({
  connectMs: ms(1, 600_000).default(2_000),
  /** From the request sent to the response's headers received. */
  firstByteMs: ms(1, 3_600_000).default(30_000),
  /** Longest silence while a response body streams. */
  idleMs: ms(1, 3_600_000).default(60_000),
});
export type Timeouts = z.output<typeof timeoutsSchema>;

export const circuitBreakerSchema = z.strictObject({
  /** Upstream connections per backend. */
  maxConnections: z.int().min(1).max(100_000).default(256),
  /** Requests waiting for a free connection, per backend. */
  maxPending: z.int().min(0).max(100_000).default(1024),
  /** Requests in flight, per backend. */
  maxRequests: z.int().min(1).max(1_000_000).default(1024),
});
export type CircuitBreaker = z.output<typeof circuitBreakerSchema>;

/** Sticky sessions: the first answer sets a cookie naming the backend; later requests return to it. */
export const stickinessSchema = z.strictObject({
  enabled: z.boolean().default(false),
  cookieName: z
    .string()
    .min(1)
    .max(128)
    .regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/)
    .default("weir_sticky"),
  /** Cookie lifetime; 0 makes a session cookie. */
  ttlSeconds: z.int().min(0).max(31_536_000).default(0),
});
export type Stickiness = z.output<typeof stickinessSchema>;

/**
 * The canary slider: `canaryPercent` of requests go to backends labelled `canaryVersion`, the rest
 * to `stableVersion`. With a sticky key, a client is hashed into one of 10,000 buckets and buckets
 * below the percentage are canary, so raising the percentage never moves a client back.
 */
export const trafficSplitSchema = z.strictObject({
  stableVersion: z.string().min(1).max(64),
  canaryVersion: z.string().min(1).max(64),
  canaryPercent: z.number().min(0).max(100),
  /** A request with this header set to a version goes to that version. */
  overrideHeader: headerName.default("x-weir-version"),
  /** Same, from a cookie; checked after the header. */
  overrideCookie: z.string().min(1).max(128).default("weir_version"),
  stickyOn: z.enum(["client_ip", "header", "cookie", "none"]).default("client_ip"),
  /** Header or cookie name when stickyOn is header or cookie. */
  stickyName: z.string().min(1).max(256).optional(),
});
export type TrafficSplit = z.output<typeof trafficSplitSchema>;

export const backendStateSchema = z.enum(["active", "draining", "disabled"]);
export type BackendStateName = z.output<typeof backendStateSchema>;

export const backendSchema = z.strictObject({
  id: name,
  address: addressSchema,
  weight: z.int().min(0).max(10_000).default(1),
  version: z.string().min(1).max(64).default("v1"),
  state: backendStateSchema.default("active"),
});
export type Backend = z.output<typeof backendSchema>;

export const poolSchema = z.strictObject({
  name,
  algorithm: algorithmSchema.default("round_robin"),
  hashOn: hashOnSchema.optional(),
  healthCheck: healthCheckSchema.prefault({}),
  outlier: outlierSchema.prefault({}),
  retry: retrySchema.prefault({}),
  timeouts: timeoutsSchema.prefault({}),
  circuitBreaker: circuitBreakerSchema.prefault({}),
  stickiness: stickinessSchema.prefault({}),
  trafficSplit: trafficSplitSchema.optional(),
  /** A new or recovered backend's weight ramps linearly from 10% to 100% over this time. */
  slowStartMs: ms(0, 3_600_000).default(0),
  /** Below this share of healthy backends the pool ignores health and spreads over all of them. */
  panicThresholdPercent: z.number().min(0).max(100).default(50),
  backends: z.array(backendSchema).default([]),
});
export type Pool = z.output<typeof poolSchema>;

export const headerOpsSchema = z.strictObject({
  /** Set (replacing any existing value). */
  add: z.record(headerName, headerValue).default({}),
  remove: z.array(headerName).default([]),
});
export type HeaderOps = z.output<typeof headerOpsSchema>;

export const rateLimitSchema = z.strictObject({
  requestsPerSecond: z.number().positive().max(1_000_000),
  burst: z.int().min(1).max(1_000_000),
  key: z.enum(["client_ip", "header"]).default("client_ip"),
  /** Required when key is header; requests without the header share one bucket. */
  headerName: headerName.optional(),
});
export type RateLimit = z.output<typeof rateLimitSchema>;

/** `example.com` matches exactly; `*.example.com` matches any deeper name, not the apex. */
const hostPattern = z
  .string()
  .min(1)
  .max(253)
  .regex(/^(\*\.)?[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*$/, "must be a host name, optionally starting with *.");

export const routeMatchSchema = z.strictObject({
  hosts: z.array(hostPattern).optional(),
  pathPrefix: z.string().startsWith("/", "must start with /").default("/"),
  headers: z
    .array(
      z.strictObject({
        name: headerName,
        /** Exact value; when unset the header only has to be present. */
        value: z.string().max(8192).optional(),
      }),
    )
    .optional(),
});
export type RouteMatch = z.output<typeof routeMatchSchema>;

export const routeSchema = z.strictObject({
  name,
  match: routeMatchSchema.prefault({}),
  pool: name,
  requestHeaders: headerOpsSchema.prefault({}),
  responseHeaders: headerOpsSchema.prefault({}),
  rateLimit: rateLimitSchema.optional(),
});
export type Route = z.output<typeof routeSchema>;

export const certificateSchema = z.strictObject({
  /** Server names this certificate answers for (SNI), exact or `*.example.com`. */
  hosts: z.array(hostPattern).min(1),
  certPem: z.string().includes("-----BEGIN", { message: "must be a PEM certificate" }),
  keyPem: z.string().includes("-----BEGIN", { message: "must be a PEM private key" }),
});
export type Certificate = z.output<typeof certificateSchema>;

export const listenerLimitsSchema = z.strictObject({
  /** Request line plus headers; larger is refused with 431. */
  maxHeaderBytes: z.int().min(1024).max(1_048_576).default(16_384),
  /** Request body; larger is refused with 413. */
  maxBodyBytes: z.int().min(0).max(Number.MAX_SAFE_INTEGER).default(10_485_760),
  /** A client connection silent this long is closed (keep-alive and mid-request). */
  idleTimeoutMs: ms(100, 3_600_000).default(60_000),
  /**
   * A request's line and headers must arrive within this from their first byte (from the
   * connection's opening for its first request), else 408 and the connection closes: a client
   * trickling one byte a second cannot hold a connection (HAProxy's `timeout http-request`).
   */
  headerTimeoutMs: ms(100, 600_000).default(10_000),
  /**
   * A request's body must arrive within this after its head, else 408 (or the connection is cut
   * when the answer has begun). The idle timeout restarts on every byte; this does not. 0: none.
   */
  bodyTimeoutMs: z.union([z.literal(0), ms(100, 3_600_000)]).default(120_000),
  /** Open client connections on this listener; more are closed as they are accepted. 0: no cap. */
  maxConnections: z.int().min(0).max(10_000_000).default(0),
  /** Open client connections from one client address; more are closed as they are accepted. 0: no cap. */
  maxConnectionsPerClient: z.int().min(0).max(10_000_000).default(0),
});
export type ListenerLimits = z.output<typeof listenerLimitsSchema>;

export const listenerSchema = z.strictObject({
  name,
  protocol: z.enum(["http", "tcp"]).default("http"),
  bind: z.strictObject({ host: z.string().min(1).default("0.0.0.0"), port: z.int().min(0).max(65535) }),
  tls: z.strictObject({ certificates: z.array(certificateSchema).min(1) }).optional(),
  limits: listenerLimitsSchema.prefault({}),
  routes: z.array(routeSchema).default([]),
  /** tcp: the pool every connection goes to. http: where requests no route matches go (else 404). */
  defaultPool: name.optional(),
});
export type Listener = z.output<typeof listenerSchema>;

/** A key that signs sticky-session cookies (see the engine's sticky.ts). A secret: never logged. */
export const stickyKeySchema = z.strictObject({
  id: z.string().regex(/^[A-Za-z0-9]{1,16}$/, "must be 1 to 16 letters or digits"),
  secret: z
    .string()
    .regex(/^[A-Za-z0-9_-]{43,512}$/, "must be at least 32 bytes, base64url-encoded (43 characters or more)"),
});
export type StickyKey = z.output<typeof stickyKeySchema>;

export const engineConfigSchema = z.strictObject({
  /** Monotonic config version, reported back by the agent. */
  version: z.int().min(0),
  /**
   * Keys that sign sticky-session cookies: the first signs, every one is accepted (a rotation
   * keeps the previous key a while). The control plane sends one fleet-wide set with every config,
   * so a cookie holds across agents and restarts; without any, an engine makes one of its own.
   */
  stickyKeys: z.array(stickyKeySchema).max(4).default([]),
  listeners: z.array(listenerSchema).default([]),
  pools: z.array(poolSchema).default([]),
});
/** A validated config. `parseEngineConfig` returns it deeply frozen. */
export type EngineConfig = z.output<typeof engineConfigSchema>;
/** What a config file or the control plane may send: defaults not yet applied. */
export type EngineConfigInput = z.input<typeof engineConfigSchema>;
