import { createHash } from "node:crypto";
import { type EngineConfig, type EngineConfigInput, parseEngineConfig } from "@weir/config";
import type { Prisma } from "@weir/db";
import type { Tx } from "../audit/record-audit";

/**
 * What a config version stores: the whole data-plane config (every listener and pool), plus the
 * label selector of each listener. The hub gives each agent the listeners its labels select and
 * the pools they use.
 */
export interface ConfigSnapshot {
  engine: EngineConfig;
  /** Listener name → label selector ({} selects every agent). */
  selectors: Record<string, Record<string, string>>;
}

/**
 * Reads listeners, routes, pools and backends as they stand in `tx` and builds the engine config,
 * validated by the engine's own schema: a change that would give agents an invalid config fails
 * here, inside its transaction, and nothing is written.
 */
export async function compileSnapshot(tx: Tx, version: number): Promise<ConfigSnapshot> {
  // One after the other: a transaction is one connection, and pg deprecates overlapping queries on one.
  const pools = await tx.pool.findMany({
    orderBy: { name: "asc" },
    include: { backends: { orderBy: [{ host: "asc" }, { port: "asc" }] } },
  });
  const listeners = await tx.listener.findMany({
    orderBy: { name: "asc" },
    include: {
      defaultPool: { select: { name: true } },
      routes: { orderBy: [{ priority: "asc" }, { name: "asc" }], include: { pool: { select: { name: true } } } },
    },
  });
  const input: EngineConfigInput = {
    version,
    pools: pools.map((pool) => ({
      name: pool.name,
      algorithm: pool.algorithm,
      ...(pool.hashOn ? { hashOn: pool.hashOn as never } : {}),
      healthCheck: pool.healthCheck as never,
      outlier: pool.outlier as never,
      retry: pool.retry as never,
      timeouts: pool.timeouts as never,
      circuitBreaker: pool.circuitBreaker as never,
      stickiness: pool.stickiness as never,
      ...(pool.trafficSplit ? { trafficSplit: pool.trafficSplit as never } : {}),
      slowStartMs: pool.slowStartMs,
      panicThresholdPercent: pool.panicThresholdPercent,
      backends: pool.backends.map((backend) => ({
        id: backend.id,
        address: { host: backend.host, port: backend.port },
        weight: backend.weight,
        version: backend.versionLabel,
        state: backend.state,
      })),
    })),
    listeners: listeners.map((listener) => ({
      name: listener.name,
      protocol: listener.protocol,
      bind: { host: listener.bindAddress, port: listener.port },
      ...(listener.tls ? { tls: listener.tls as never } : {}),
      limits: listener.settings as never,
      ...(listener.defaultPool ? { defaultPool: listener.defaultPool.name } : {}),
      routes: listener.routes.map((route) => ({
        name: route.name,
        match: {
          ...(route.hosts.length > 0 ? { hosts: route.hosts } : {}),
          pathPrefix: route.pathPrefix,
          ...(Array.isArray(route.headers) && route.headers.length > 0 ? { headers: route.headers as never } : {}),
        },
        pool: route.pool.name,
        requestHeaders: route.requestHeaders as never,
        responseHeaders: route.responseHeaders as never,
        ...(route.rateLimit ? { rateLimit: route.rateLimit as never } : {}),
      })),
    })),
  };
  return {
    engine: parseEngineConfig(input),
    selectors: Object.fromEntries(
      listeners.map((listener) => [listener.name, listener.agentSelector as Record<string, string>]),
    ),
  };
}

/** SHA-256 of the snapshot without its version number: equal hashes, equal configs. */
export function hashSnapshot(snapshot: ConfigSnapshot): string {
  const { version: _version, ...engine } = snapshot.engine;
  return createHash("sha256")
    .update(canonicalJson({ engine, selectors: snapshot.selectors }))
    .digest("hex");
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, child]) => child !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, child]) => `${JSON.stringify(key)}:${canonicalJson(child)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

export function snapshotJson(snapshot: ConfigSnapshot): Prisma.InputJsonValue {
  return JSON.parse(JSON.stringify(snapshot)) as Prisma.InputJsonValue;
}
