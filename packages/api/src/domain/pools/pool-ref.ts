import type { Db } from "@weir/db";
import { apiError } from "../../errors";

/** A pool named by the caller either way, by its id or by its name: the `where` for both. */
export function poolByIdOrName(ref: string) {
  return { OR: [{ id: ref }, { name: ref }] };
}

/** The id of the pool `ref` names (id or name); WEIR_E_NOT_FOUND on `poolId` when there is none. */
export async function poolIdOf(db: Db, ref: string): Promise<string> {
  const pool = await db.pool.findFirst({ where: poolByIdOrName(ref), select: { id: true } });
  if (pool === null) throw apiError("WEIR_E_NOT_FOUND", `No pool ${ref}.`, { field: "poolId" });
  return pool.id;
}
