import type { PoolDto, PoolSettingsPatch } from "@weir/config/api";
import type { Db } from "@weir/db";
import type { Actor } from "../../auth/actor";
import { actorLabel } from "../../auth/actor";
import { apiError } from "../../errors";
import { assertVersion, type ChangeResult, commitChange } from "../config/commit-change";
import { applyRolloutEventInTx } from "../rollouts/apply-rollout-event";
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
      if (settings.trafficSplit !== undefined) {
        // An operator moving the split while a rollout drives it: the rollout pauses and says why.
        const rollout = await tx.rollout.findFirst({
          where: { poolId: id, status: { in: ["progressing", "paused"] } },
          select: { id: true },
        });
        if (rollout !== null)
          await applyRolloutEventInTx(tx, {
            rolloutId: rollout.id,
            event: {
              type: "manualSplitChange",
              canaryPercent: settings.trafficSplit?.canaryPercent ?? 0,
              by: actorLabel(options.actor),
            },
            actor: options.actor,
            ip: options.ip,
          });
      }
      return {
        before: toPoolDto(before),
        after: toPoolDto(after),
        result: toPoolDto(after),
        summary: `${before.name}: ${Object.keys(settings).join(", ") || "nothing"} changed`,
      };
    },
  });
}
