import type { PoolDto, PoolSettingsPatch } from "@weir/config/api";
import type { Db } from "@weir/db";
import type { Actor } from "../../auth/actor";
import { actorLabel } from "../../auth/actor";
import { apiError } from "../../errors";
import { ROLLOUT_CHANNEL } from "../../hub/types";
import { step } from "../../rollouts/machine";
import { recordAudit } from "../audit/record-audit";
import { assertVersion, type ChangeResult, commitChange } from "../config/commit-change";
import { ROLLOUT_INCLUDE, stateColumns, stateOf } from "../rollouts/rollout-row";
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
          include: ROLLOUT_INCLUDE,
        });
        if (rollout !== null) {
          const canaryPercent = settings.trafficSplit?.canaryPercent ?? 0;
          const result = step(
            stateOf(rollout),
            { type: "manualSplitChange", canaryPercent, by: actorLabel(options.actor) },
            Date.now(),
          );
          if (result.ok) {
            await tx.rollout.update({
              where: { id: rollout.id },
              data: { ...stateColumns(result.state), version: { increment: 1 } },
            });
            for (const action of result.actions)
              if (action.type === "audit")
                await recordAudit(tx, {
                  actor: options.actor,
                  action: action.action,
                  targetType: "rollout",
                  targetId: rollout.id,
                  after: { pool: before.name, status: result.state.status, message: action.message },
                  ip: options.ip,
                });
            await tx.$executeRaw`SELECT pg_notify(${ROLLOUT_CHANNEL}, ${rollout.id})`;
          }
        }
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
