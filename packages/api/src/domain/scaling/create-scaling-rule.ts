import { type ScalingRuleDto, type ScalingRuleSpec, scalingRuleColumns } from "@weir/config/api";
import type { Db } from "@weir/db";
import type { Actor } from "../../auth/actor";
import { apiError } from "../../errors";
import { recordAudit } from "../audit/record-audit";
import { poolByIdOrName } from "../pools/pool-ref";
import { assertNoOverlap } from "./overlap";
import { auditView, SCALING_CHANNEL, SCALING_RULE_INCLUDE, toScalingRuleDto } from "./rule-row";

/** A new scaling rule on a pool (by id or name); the controller picks it up at its next tick. */
export async function createScalingRule(options: {
  db: Db;
  actor: Actor;
  ip?: string;
  requestId?: string;
  spec: ScalingRuleSpec;
}): Promise<ScalingRuleDto> {
  const { spec } = options;
  return options.db.$transaction(async (tx) => {
    const pool = await tx.pool.findFirst({ where: poolByIdOrName(spec.poolId) });
    if (pool === null) throw apiError("WEIR_E_NOT_FOUND", `No pool ${spec.poolId}.`, { field: "poolId" });
    await tx.$queryRaw`SELECT id FROM pools WHERE id = ${pool.id} FOR UPDATE`;
    if (await tx.scalingRule.findUnique({ where: { poolId_name: { poolId: pool.id, name: spec.name } } })) {
      throw apiError("WEIR_E_DUPLICATE", `Pool ${pool.name} already has a scaling rule named ${spec.name}.`, {
        field: "name",
      });
    }
    const stored = { ...spec, poolId: pool.id };
    await assertNoOverlap(tx, stored);
    const columns = scalingRuleColumns(stored);
    const row = await tx.scalingRule.create({
      data: {
        ...columns,
        metrics: columns.metrics as never,
        policies: columns.policies as never,
        actuatorConfig: columns.actuatorConfig as never,
      },
      include: SCALING_RULE_INCLUDE,
    });
    await recordAudit(tx, {
      actor: options.actor,
      action: "scaling_rule.create",
      targetType: "scaling_rule",
      targetId: row.id,
      after: auditView(stored, pool.name),
      ip: options.ip,
      requestId: options.requestId,
    });
    await tx.$executeRaw`SELECT pg_notify(${SCALING_CHANNEL}, ${row.id})`;
    return toScalingRuleDto(row);
  });
}
