import type { EngineConfig } from "@weir/config";
import type { Db, Prisma } from "@weir/db";
import type { Actor } from "../../auth/actor";
import { apiError } from "../../errors";
import type { Tx } from "../audit/record-audit";
import { type ChangeResult, commitChange } from "../config/commit-change";
import type { ConfigSnapshot } from "../config/compile-snapshot";

type Listener = EngineConfig["listeners"][number];
type Pool = EngineConfig["pools"][number];

/**
 * Makes the listeners, routes, pools and backends what they were at version `number`, as a new
 * version (history only moves forward). The new version's snapshot equals the old one's.
 */
export async function revertToVersion(options: {
  db: Db;
  actor: Actor;
  ip?: string;
  requestId?: string;
  number: number;
  expectedLatest?: number | undefined;
}): Promise<ChangeResult<{ revertedTo: number }>> {
  return commitChange({
    db: options.db,
    actor: options.actor,
    ip: options.ip,
    requestId: options.requestId,
    action: "config.revert",
    targetType: "config_version",
    targetId: String(options.number),
    summary: `reverted to version ${options.number}`,
    revertedFrom: options.number,
    change: async (tx) => {
      const target = await tx.configVersion.findUnique({ where: { number: options.number } });
      if (!target) throw apiError("WEIR_E_NOT_FOUND", `No config version ${options.number}.`, { field: "number" });
      const latest = await tx.configVersion.findFirst({ orderBy: { number: "desc" }, select: { number: true } });
      if (options.expectedLatest !== undefined && latest?.number !== options.expectedLatest) {
        throw apiError(
          "WEIR_E_CONFLICT",
          `The config moved on to version ${latest?.number} since you looked (${options.expectedLatest}).`,
          {
            field: "expectedLatest",
            current: { latest: latest?.number },
          },
        );
      }
      const snapshot = target.snapshot as unknown as ConfigSnapshot;
      await restore(tx, snapshot);
      return {
        before: { latest: latest?.number },
        after: { revertedTo: options.number },
        result: { revertedTo: options.number },
      };
    },
  });
}

const json = (value: unknown) =>
  value === undefined ? undefined : (JSON.parse(JSON.stringify(value)) as Prisma.InputJsonValue);

async function restore(tx: Tx, snapshot: ConfigSnapshot): Promise<void> {
  const { pools, listeners } = snapshot.engine;
  const poolIds = new Map<string, string>();
  for (const pool of pools) poolIds.set(pool.name, await restorePool(tx, pool));

  const wantedListeners = new Set(listeners.map((listener) => listener.name));
  for (const listener of listeners)
    await restoreListener(tx, listener, snapshot.selectors[listener.name] ?? {}, poolIds);
  await tx.listener.deleteMany({ where: { name: { notIn: [...wantedListeners] } } });
  await tx.pool.deleteMany({ where: { name: { notIn: pools.map((pool) => pool.name) } } });
}

async function restorePool(tx: Tx, pool: Pool): Promise<string> {
  const settings = {
    algorithm: pool.algorithm,
    hashOn: pool.hashOn ? json(pool.hashOn) : ("DbNull" as never),
    healthCheck: json(pool.healthCheck) as Prisma.InputJsonValue,
    outlier: json(pool.outlier) as Prisma.InputJsonValue,
    retry: json(pool.retry) as Prisma.InputJsonValue,
    timeouts: json(pool.timeouts) as Prisma.InputJsonValue,
    circuitBreaker: json(pool.circuitBreaker) as Prisma.InputJsonValue,
    stickiness: json(pool.stickiness) as Prisma.InputJsonValue,
    trafficSplit: pool.trafficSplit ? json(pool.trafficSplit) : ("DbNull" as never),
    slowStartMs: pool.slowStartMs,
    panicThresholdPercent: Math.round(pool.panicThresholdPercent),
  };
  const row = await tx.pool.upsert({
    where: { name: pool.name },
    create: { name: pool.name, ...settings },
    update: { ...settings, version: { increment: 1 } },
  });
  const wanted = pool.backends.map((backend) => backend.id);
  await tx.backend.deleteMany({ where: { poolId: row.id, id: { notIn: wanted } } });
  // A backend kept by id may have moved address; free addresses first so the unique key holds.
  await tx.backend.deleteMany({
    where: {
      poolId: row.id,
      OR: pool.backends.map((backend) => ({
        host: backend.address.host,
        port: backend.address.port,
        id: { not: backend.id },
      })),
    },
  });
  for (const backend of pool.backends) {
    const fields = {
      host: backend.address.host,
      port: backend.address.port,
      weight: backend.weight,
      versionLabel: backend.version,
      state: backend.state,
    };
    await tx.backend.upsert({
      where: { id: backend.id },
      create: { id: backend.id, poolId: row.id, ...fields },
      update: { poolId: row.id, ...fields, version: { increment: 1 } },
    });
  }
  return row.id;
}

async function restoreListener(
  tx: Tx,
  listener: Listener,
  selector: Record<string, string>,
  poolIds: Map<string, string>,
): Promise<void> {
  const fields = {
    protocol: listener.protocol,
    bindAddress: listener.bind.host,
    port: listener.bind.port,
    tls: listener.tls ? json(listener.tls) : ("DbNull" as never),
    settings: json(listener.limits) as Prisma.InputJsonValue,
    agentSelector: json(selector) as Prisma.InputJsonValue,
    defaultPoolId: listener.defaultPool ? (poolIds.get(listener.defaultPool) ?? null) : null,
  };
  // Another listener may hold this port now; it is either renamed back or deleted below.
  await tx.listener.deleteMany({
    where: { bindAddress: fields.bindAddress, port: fields.port, name: { not: listener.name } },
  });
  const row = await tx.listener.upsert({
    where: { name: listener.name },
    create: { name: listener.name, ...fields },
    update: { ...fields, version: { increment: 1 } },
  });
  await tx.route.deleteMany({
    where: { listenerId: row.id, name: { notIn: listener.routes.map((route) => route.name) } },
  });
  for (const [index, route] of listener.routes.entries()) {
    const poolId = poolIds.get(route.pool);
    if (!poolId) throw apiError("WEIR_E_INVALID_INPUT", `Version refers to unknown pool ${route.pool}.`);
    const routeFields = {
      priority: index,
      hosts: route.match.hosts ?? [],
      pathPrefix: route.match.pathPrefix,
      headers: json(route.match.headers ?? []) as Prisma.InputJsonValue,
      poolId,
      requestHeaders: json(route.requestHeaders) as Prisma.InputJsonValue,
      responseHeaders: json(route.responseHeaders) as Prisma.InputJsonValue,
      rateLimit: route.rateLimit ? json(route.rateLimit) : ("DbNull" as never),
    };
    await tx.route.upsert({
      where: { listenerId_name: { listenerId: row.id, name: route.name } },
      create: { listenerId: row.id, name: route.name, ...routeFields },
      update: { ...routeFields, version: { increment: 1 } },
    });
  }
}
