import type { z } from "zod";
import { WeirConfigError } from "./errors";
import { type EngineConfig, engineConfigSchema } from "./schema";

type Path = readonly PropertyKey[];

/** `listeners[0].routes[2].pool`: the form every message uses to name a field. */
export function formatPath(path: Path): string {
  let out = "";
  for (const key of path) {
    if (typeof key === "number") out += `[${key}]`;
    else out += out === "" ? String(key) : `.${String(key)}`;
  }
  return out === "" ? "(root)" : out;
}

/** Rules that span fields: names resolve, names and ports are unique, pairs are coherent. */
function checkReferences(config: EngineConfig): string[] {
  const issues: string[] = [];
  const at = (path: Path, message: string) => issues.push(`${formatPath(path)}: ${message}`);

  const pools = new Set<string>();
  config.pools.forEach((pool, p) => {
    if (pools.has(pool.name)) at(["pools", p, "name"], `duplicate pool name "${pool.name}"`);
    pools.add(pool.name);
    const ids = new Set<string>();
    pool.backends.forEach((backend, b) => {
      if (ids.has(backend.id))
        at(["pools", p, "backends", b, "id"], `duplicate backend id "${backend.id}" in pool "${pool.name}"`);
      ids.add(backend.id);
    });
    if (pool.outlier.maxEjectionMs < pool.outlier.baseEjectionMs) {
      at(["pools", p, "outlier", "maxEjectionMs"], "must be at least baseEjectionMs");
    }
    const split = pool.trafficSplit;
    if (split) {
      if (split.stableVersion === split.canaryVersion) {
        at(["pools", p, "trafficSplit", "canaryVersion"], "must differ from stableVersion");
      }
      if ((split.stickyOn === "header" || split.stickyOn === "cookie") && split.stickyName === undefined) {
        at(["pools", p, "trafficSplit", "stickyName"], `is required when stickyOn is ${split.stickyOn}`);
      }
    }
  });

  const listenerNames = new Set<string>();
  const ports = new Map<number, string>();
  config.listeners.forEach((listener, l) => {
    if (listenerNames.has(listener.name)) at(["listeners", l, "name"], `duplicate listener name "${listener.name}"`);
    listenerNames.add(listener.name);
    const port = listener.bind.port;
    if (port !== 0) {
      const other = ports.get(port);
      if (other !== undefined)
        at(["listeners", l, "bind", "port"], `port ${port} is already used by listener "${other}"`);
      else ports.set(port, listener.name);
    }
    if (listener.defaultPool !== undefined && !pools.has(listener.defaultPool)) {
      at(["listeners", l, "defaultPool"], `unknown pool "${listener.defaultPool}"`);
    }
    if (listener.protocol === "tcp") {
      if (listener.defaultPool === undefined) at(["listeners", l, "defaultPool"], "is required for a tcp listener");
      if (listener.routes.length > 0)
        at(["listeners", l, "routes"], "must be empty for a tcp listener (use defaultPool)");
    }
    const routeNames = new Set<string>();
    listener.routes.forEach((route, r) => {
      if (routeNames.has(route.name)) at(["listeners", l, "routes", r, "name"], `duplicate route name "${route.name}"`);
      routeNames.add(route.name);
      if (!pools.has(route.pool)) at(["listeners", l, "routes", r, "pool"], `unknown pool "${route.pool}"`);
      if (route.rateLimit?.key === "header" && route.rateLimit.headerName === undefined) {
        at(["listeners", l, "routes", r, "rateLimit", "headerName"], "is required when key is header");
      }
    });
  });
  return issues;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

function formatZodIssues(error: z.ZodError): string[] {
  return error.issues.map((issue) => `${formatPath(issue.path)}: ${issue.message}`);
}

/**
 * Validates an engine config (from a file, the control plane, anywhere) and returns it deeply
 * frozen, with every default applied. Throws a `WeirConfigError` with code `WEIR_E_INVALID_CONFIG`
 * listing every problem as `path: message`.
 */
export function parseEngineConfig(input: unknown): EngineConfig {
  const result = engineConfigSchema.safeParse(input);
  if (!result.success) throw new WeirConfigError("WEIR_E_INVALID_CONFIG", formatZodIssues(result.error));
  const issues = checkReferences(result.data);
  if (issues.length > 0) throw new WeirConfigError("WEIR_E_INVALID_CONFIG", issues);
  return deepFreeze(result.data);
}
