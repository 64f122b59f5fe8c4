import type { Db } from "@weir/db";

/** A pool's health transitions as agents reported them, newest first. */
export async function listHealthEvents(options: {
  db: Db;
  poolId: string;
  backendId?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
  limit: number;
}) {
  const rows = await options.db.healthEvent.findMany({
    where: {
      poolId: options.poolId,
      ...(options.backendId ? { backendId: options.backendId } : {}),
      ...(options.from || options.to
        ? {
            at: {
              ...(options.from ? { gte: new Date(options.from) } : {}),
              ...(options.to ? { lte: new Date(options.to) } : {}),
            },
          }
        : {}),
    },
    include: { agent: { select: { name: true } } },
    orderBy: { at: "desc" },
    take: options.limit,
  });
  return rows.map((row) => ({
    at: row.at.toISOString(),
    backendId: row.backendId,
    agent: row.agent.name,
    healthy: row.healthy,
    reason: row.reason,
  }));
}
