import type { ScalingRuleDto } from "@weir/config/api";
import type { Db } from "@weir/db";
import type { Actor } from "../../auth/actor";
import { apiError } from "../../errors";
import { recordAudit } from "../audit/record-audit";
import { assertVersion } from "../config/commit-change";
import { assertNoOverlap } from "./overlap";
import { SCALING_CHANNEL, SCALING_RULE_INCLUDE, toScalingRuleDto } from "./rule-row";

/**
 * Turns a rule on or off. Off, the controller stops evaluating it and leaves its backends as they
 * are (a drain already under way still finishes). On again, it resumes with the memory it had.
 */
export async function setScalingRuleEnabled(options: {
  db: Db;
  actor: Actor;
  ip?: string;
  requestId?: string;
  input: { id: string; version?: number | undefined };
  enabled: boolean;
}): Promise<ScalingRuleDto> {
  const { input, enabled } = options;
  return options.db.$transaction(async (tx) => {
    await tx.$queryRaw`SELECT id FROM scaling_rules WHERE id = ${input.id} FOR UPDATE`;
    const row = await tx.scalingRule.findUnique({ where: { id: input.id }, include: SCALING_RULE_INCLUDE });
    if (row === null) throw apiError("WEIR_E_NOT_FOUND", `No scaling rule with id ${input.id}.`, { field: "id" });
    if (input.version !== undefined)
      assertVersion(row, input.version, `Scaling rule ${row.name}`, () => toScalingRuleDto(row));
    if (row.enabled === enabled) return toScalingRuleDto(row);
    await assertNoOverlap(tx, { id: row.id, poolId: row.poolId, versionLabel: row.versionLabel, enabled });
    const updated = await tx.scalingRule.update({
      where: { id: row.id },
      data: { enabled, version: { increment: 1 } },
      include: SCALING_RULE_INCLUDE,
    });
    await recordAudit(tx, {
      actor: options.actor,
      action: enabled ? "scaling_rule.enable" : "scaling_rule.disable",
      targetType: "scaling_rule",
      targetId: row.id,
      before: { pool: row.pool.name, name: row.name, enabled: row.enabled },
      after: { pool: row.pool.name, name: row.name, enabled },
      ip: options.ip,
      requestId: options.requestId,
    });
    await tx.$executeRaw`SELECT pg_notify(${SCALING_CHANNEL}, ${row.id})`;
    return toScalingRuleDto(updated);
  });
}
