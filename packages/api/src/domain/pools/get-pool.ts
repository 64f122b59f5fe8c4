import type { PoolDto } from "@weir/config/api";
import type { Db } from "@weir/db";
import { apiError } from "../../errors";
import { BACKENDS_IN_ORDER, toPoolDto } from "./pool-dto";
import { poolByIdOrName } from "./pool-ref";

export async function getPool({ db, id }: { db: Db; id: string }): Promise<PoolDto> {
  const pool = await db.pool.findFirst({
    where: poolByIdOrName(id),
    include: { backends: BACKENDS_IN_ORDER },
  });
  if (!pool) throw apiError("WEIR_E_NOT_FOUND", `No pool with id or name ${id}.`, { field: "id" });
  return toPoolDto(pool);
}
