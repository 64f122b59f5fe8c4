import { type RolloutDto, type RolloutSpec, rolloutColumns } from "@weir/config/api";
import type { Db } from "@weir/db";
import type { Actor } from "../../auth/actor";
import { apiError } from "../../errors";
import { ROLLOUT_CHANNEL } from "../../hub/types";
import { recordAudit } from "../audit/record-audit";
import { poolByIdOrName } from "../pools/pool-ref";
import { ACTIVE_STATUSES, ROLLOUT_INCLUDE, toRolloutDto } from "./rollout-row";

/**
 * A new rollout, `pending` until started. Refused when the pool has no active backend of either
 * version (nothing to move traffic between) or already has a rollout in progress (two controllers
 * of one split would fight).
 */
export async function createRollout(options: {
  db: Db;
  actor: Actor;
  ip?: string;
  spec: RolloutSpec;
}): Promise<RolloutDto> {
  const { spec } = options;
  return options.db.$transaction(async (tx) => {
    const pool = await tx.pool.findFirst({
      where: poolByIdOrName(spec.poolId),
      include: { backends: true },
    });
    if (pool === null) throw apiError("WEIR_E_NOT_FOUND", `No pool ${spec.poolId}.`, { field: "poolId" });
    await tx.$queryRaw`SELECT id FROM pools WHERE id = ${pool.id} FOR UPDATE`;
    for (const [field, version] of [
      ["stableVersion", spec.stableVersion],
      ["newVersion", spec.newVersion],
    ] as const) {
      if (!pool.backends.some((b) => b.versionLabel === version && b.state === "active")) {
        const labels = [...new Set(pool.backends.map((b) => b.versionLabel))].join(", ") || "none";
        throw apiError(
          "WEIR_E_INVALID_INPUT",
          `${field}: pool ${pool.name} has no active backend labelled "${version}" (its versions: ${labels}).`,
          { field },
        );
      }
    }
    const running = await tx.rollout.findFirst({
      where: { poolId: pool.id, status: { in: [...ACTIVE_STATUSES] } },
      select: { id: true, status: true },
    });
    if (running !== null) {
      throw apiError(
        "WEIR_E_CONFLICT",
        `Pool ${pool.name} already has a ${running.status} rollout (${running.id}); finish or abort it first.`,
        { field: "poolId" },
      );
    }
    const columns = rolloutColumns({ ...spec, poolId: pool.id });
    const row = await tx.rollout.create({
      data: {
        ...columns,
        steps: columns.steps as never,
        analysis: columns.analysis as never,
        match: (columns.match ?? undefined) as never,
        createdById: options.actor.userId,
      },
      include: ROLLOUT_INCLUDE,
    });
    await recordAudit(tx, {
      actor: options.actor,
      action: "rollout.create",
      targetType: "rollout",
      targetId: row.id,
      after: {
        pool: pool.name,
        strategy: spec.strategy,
        stableVersion: spec.stableVersion,
        newVersion: spec.newVersion,
      },
      ip: options.ip,
    });
    await tx.$executeRaw`SELECT pg_notify(${ROLLOUT_CHANNEL}, ${row.id})`;
    return toRolloutDto(row);
  });
}
