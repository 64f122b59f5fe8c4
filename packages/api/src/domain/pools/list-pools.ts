import type { Db } from "@weir/db";

export interface PoolSummary {
  id: string;
  name: string;
  description: string;
  algorithm: string;
  backends: { total: number; active: number; draining: number; disabled: number };
  versions: string[];
  version: number;
  updatedAt: string;
}

/** Every pool with its backend counts by state and the version labels it carries. */
export async function listPools({ db }: { db: Db }): Promise<PoolSummary[]> {
  const pools = await db.pool.findMany({
    orderBy: { name: "asc" },
    include: { backends: { select: { state: true, versionLabel: true } } },
  });
  return pools.map((pool) => ({
    id: pool.id,
    name: pool.name,
    description: pool.description,
    algorithm: pool.algorithm,
    backends: {
      total: pool.backends.length,
      active: pool.backends.filter((backend) => backend.state === "active").length,
      draining: pool.backends.filter((backend) => backend.state === "draining").length,
      disabled: pool.backends.filter((backend) => backend.state === "disabled").length,
    },
    versions: [...new Set(pool.backends.map((backend) => backend.versionLabel))].sort(),
    version: pool.version,
    updatedAt: pool.updatedAt.toISOString(),
  }));
}
