import type { Route } from "@weir/config";
import type { Series } from "../metrics/series";
import type { PoolRuntime } from "../pool";
import type { RateLimiter } from "../resilience/rate-limit";
import { eqLower, findRawHeader } from "../util/headers";

/**
 * A route compiled for the request path: lowercase lookups built once, references to the runtime
 * pool, limiter and metrics resolved at build time so matching does no map lookups.
 */
export interface CompiledRoute {
  readonly name: string;
  /** `listener/route`: the metrics key. */
  readonly key: string;
  readonly pool: PoolRuntime;
  readonly exactHosts: ReadonlySet<string> | undefined;
  /** Suffixes like `.example.com` for `*.example.com`. */
  readonly wildcardSuffixes: readonly string[];
  readonly pathPrefix: string;
  readonly headers: ReadonlyArray<{ readonly lower: string; readonly value: string | undefined }>;
  readonly requestRemove: ReadonlySet<string> | undefined;
  readonly requestAdd: readonly string[];
  /** A Host the route sets: it replaces the client's (which X-Forwarded-Host keeps). */
  readonly requestHost: string | undefined;
  readonly responseRemove: ReadonlySet<string> | undefined;
  readonly responseAdd: readonly string[];
  readonly limiter: RateLimiter | undefined;
  readonly limitHeader: string | undefined;
  readonly stats: Series;
}

/** Headers the engine writes itself (lowercase); a route's rules leave them alone. */
const ENGINE_OWNED: Readonly<Record<string, true>> = {
  "content-length": true,
  "transfer-encoding": true,
  host: true,
};

export function compileRoute(
  listener: string,
  route: Route,
  pool: PoolRuntime,
  limiter: RateLimiter | undefined,
  stats: Series,
): CompiledRoute {
  const hosts = route.match.hosts ?? [];
  const exact = hosts.filter((h) => !h.startsWith("*.")).map((h) => h.toLowerCase());
  // The engine frames what it forwards itself: rules never add or remove Content-Length or
  // Transfer-Encoding (a second length, or a body without one, would desynchronise the next hop),
  // and Host is replaced rather than removed or repeated.
  const lowerSet = (names: readonly string[]) => {
    const kept = names.map((n) => n.toLowerCase()).filter((n) => !(n in ENGINE_OWNED));
    return kept.length > 0 ? new Set(kept) : undefined;
  };
  // Heads are written as latin1 strings (one byte per character): a configured value's non-ASCII
  // characters are stored as their UTF-8 bytes, so they go out as UTF-8 instead of truncated.
  const latin1 = (value: string) => Buffer.from(value, "utf8").toString("latin1");
  const flatten = (record: Readonly<Record<string, string>>) =>
    Object.entries(record)
      .filter(([name]) => !(name.toLowerCase() in ENGINE_OWNED))
      .flatMap(([name, value]) => [name, latin1(value)]);
  const hostRule = Object.entries(route.requestHeaders.add).find(([name]) => name.toLowerCase() === "host");
  return {
    name: route.name,
    key: `${listener}/${route.name}`,
    pool,
    exactHosts: hosts.length > 0 ? new Set(exact) : undefined,
    wildcardSuffixes: hosts.filter((h) => h.startsWith("*.")).map((h) => h.slice(1).toLowerCase()),
    pathPrefix: route.match.pathPrefix,
    headers: (route.match.headers ?? []).map((h) => ({ lower: h.name.toLowerCase(), value: h.value })),
    // Headers the route sets are removed first, so "add" replaces rather than duplicates.
    requestRemove: lowerSet([...route.requestHeaders.remove, ...Object.keys(route.requestHeaders.add)]),
    requestAdd: flatten(route.requestHeaders.add),
    requestHost: hostRule === undefined ? undefined : latin1(hostRule[1]),
    responseRemove: lowerSet([...route.responseHeaders.remove, ...Object.keys(route.responseHeaders.add)]),
    responseAdd: flatten(route.responseHeaders.add),
    limiter,
    limitHeader: route.rateLimit?.key === "header" ? route.rateLimit.headerName?.toLowerCase() : undefined,
    stats,
  };
}

/** `Example.COM:8080` → `example.com`; `[::1]:80` → `[::1]`. Allocates only when there is something to strip. */
export function normalizeHost(host: string | undefined): string {
  if (host === undefined) return "";
  let end = host.length;
  const colon = host.lastIndexOf(":");
  if (colon !== -1 && host.indexOf("]", colon) === -1) end = colon;
  const bare = end === host.length ? host : host.slice(0, end);
  for (let i = 0; i < bare.length; i++) {
    const c = bare.charCodeAt(i);
    if (c >= 65 && c <= 90) return bare.toLowerCase();
  }
  return bare;
}

/** Path prefix on segment boundaries: `/api` matches `/api`, `/api/x`, `/api?q`, not `/apiary`. */
export function pathMatches(url: string, prefix: string): boolean {
  if (prefix === "/") return true;
  if (!url.startsWith(prefix)) return false;
  if (url.length === prefix.length || prefix.endsWith("/")) return true;
  const next = url.charCodeAt(prefix.length);
  return next === 47 /* / */ || next === 63 /* ? */;
}

function hostMatches(route: CompiledRoute, host: string): boolean {
  if (route.exactHosts === undefined) return true;
  if (route.exactHosts.has(host)) return true;
  for (const suffix of route.wildcardSuffixes) {
    if (host.length > suffix.length && host.endsWith(suffix)) return true;
  }
  return false;
}

function headersMatch(route: CompiledRoute, raw: readonly string[]): boolean {
  for (const want of route.headers) {
    let found = false;
    for (let i = 0; i < raw.length; i += 2) {
      if (eqLower(raw[i] as string, want.lower) && (want.value === undefined || raw[i + 1] === want.value)) {
        found = true;
        break;
      }
    }
    if (!found) return false;
  }
  return true;
}

/**
 * Routes in config order; the first whose host, path prefix and headers all match wins, else the
 * listener's default route, else `undefined` (404). O(routes).
 */
export class Router {
  constructor(
    readonly routes: readonly CompiledRoute[],
    readonly fallback: CompiledRoute | undefined,
  ) {}

  match(host: string, url: string, raw: readonly string[]): CompiledRoute | undefined {
    for (let i = 0; i < this.routes.length; i++) {
      const r = this.routes[i] as CompiledRoute;
      if (hostMatches(r, host) && pathMatches(url, r.pathPrefix) && (r.headers.length === 0 || headersMatch(r, raw)))
        return r;
    }
    return this.fallback;
  }
}

export { findRawHeader };
