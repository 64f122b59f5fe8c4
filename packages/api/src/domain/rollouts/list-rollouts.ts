import type { RolloutDto } from "@weir/config/api";
import type { Db } from "@weir/db";
import { apiError } from "../../errors";
import { poolIdOf } from "../pools/pool-ref";
import { ACTIVE_STATUSES, ROLLOUT_INCLUDE, toRolloutDto } from "./rollout-row";

export async function listRollouts(options: {
  db: Db;
  poolId?: string | undefined;
  active?: boolean | undefined;
}): Promise<RolloutDto[]> {
  let poolId: string | undefined;
  if (options.poolId !== undefined) {
    poolId = await poolIdOf(options.db, options.poolId);
  }
  const rows = await options.db.rollout.findMany({
    where: {
      ...(poolId !== undefined ? { poolId } : {}),
      ...(options.active ? { status: { in: [...ACTIVE_STATUSES] } } : {}),
    },
    include: ROLLOUT_INCLUDE,
    orderBy: { createdAt: "desc" },
    take: 100,
  });
  return rows.map((row) => toRolloutDto(row));
}

/** One rollout with its last 50 analysis verdicts, newest first. */
export async function getRollout(options: { db: Db; id: string }): Promise<RolloutDto> {
  const row = await options.db.rollout.findUnique({ where: { id: options.id }, include: ROLLOUT_INCLUDE });
  if (row === null) throw apiError("WEIR_E_NOT_FOUND", `No rollout with id ${options.id}.`, { field: "id" });
  const runs = await options.db.rolloutAnalysisRun.findMany({
    where: { rolloutId: row.id },
    orderBy: { createdAt: "desc" },
    take: 50,
  });
  return toRolloutDto(row, runs);
}
