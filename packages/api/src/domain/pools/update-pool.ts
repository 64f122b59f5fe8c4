import type { PoolDto, PoolSettingsPatch } from "@weir/config/api";
import type { Db } from "@weir/db";
import type { Actor } from "../../auth/actor";
import { apiError } from "../../errors";
import { assertVersion, type ChangeResult, commitChange } from "../config/commit-change";
import { poolSettingsData } from "./create-pool";
import { BACKENDS_IN_ORDER, toPoolDto } from "./pool-dto";

export async function updatePool(options: {
  db: Db;
  actor: Actor;
  ip?: string;
  requestId?: string;
  input: PoolSettingsPatch & { id: string; version: number };
  dryRun?: boolean;
}): Promise<ChangeResult<PoolDto>> {
  const { id, version, ...settings } = options.input;
  return commitChange({
    db: options.db,
    actor: options.actor,
    ip: options.ip,
    requestId: options.requestId,
    action: "pool.update",
    targetType: "pool",
    targetId: id,
    ...(options.dryRun ? { dryRun: true } : {}),
    change: async (tx) => {
      const before = await tx.pool.findUnique({ where: { id }, include: { backends: BACKENDS_IN_ORDER } });
      if (!before) throw apiError("WEIR_E_NOT_FOUND", `No pool with id ${id}.`, { field: "id" });
      assertVersion(before, version, `Pool ${before.name}`, () => toPoolDto(before));
      const after = await tx.pool.update({
        where: { id },
        data: { ...poolSettingsData(settings), version: { increment: 1 } },
        include: { backends: BACKENDS_IN_ORDER },
      });
      return {
        before: toPoolDto(before),
        after: toPoolDto(after),
        result: toPoolDto(after),
        summary: `${before.name}: ${Object.keys(settings).join(", ") || "nothing"} changed`,
      };
    },
  });
}
