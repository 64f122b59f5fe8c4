import {
  applyScalingRulePatch,
  type ScalingRuleDto,
  scalingRuleColumns,
  type UpdateScalingRuleInput,
} from "@weir/config/api";
import type { Db } from "@weir/db";
import type { Actor } from "../../auth/actor";
import { apiError } from "../../errors";
import { recordAudit } from "../audit/record-audit";
import { assertVersion } from "../config/commit-change";
import { assertNoOverlap } from "./overlap";
import { auditView, invalidRule, SCALING_CHANNEL, SCALING_RULE_INCLUDE, specOf, toScalingRuleDto } from "./rule-row";

/**
 * An edit of a rule (fields left out are kept, secrets left out too), refused with CONFLICT when
 * the rule changed since the caller read `version`. The merged rule is validated whole. The
 * controller's memory (history, events) is kept: a new target applies from the next evaluation,
 * through the same windows.
 */
export async function updateScalingRule(options: {
  db: Db;
  actor: Actor;
  ip?: string;
  requestId?: string;
  input: UpdateScalingRuleInput;
}): Promise<ScalingRuleDto> {
  const { input } = options;
  return options.db.$transaction(async (tx) => {
    await tx.$queryRaw`SELECT id FROM scaling_rules WHERE id = ${input.id} FOR UPDATE`;
    const row = await tx.scalingRule.findUnique({ where: { id: input.id }, include: SCALING_RULE_INCLUDE });
    if (row === null) throw apiError("WEIR_E_NOT_FOUND", `No scaling rule with id ${input.id}.`, { field: "id" });
    assertVersion(row, input.version, `Scaling rule ${row.name}`, () => toScalingRuleDto(row));
    const before = specOf(row);
    let after: ReturnType<typeof specOf>;
    try {
      after = applyScalingRulePatch(before, input);
    } catch (error) {
      invalidRule(error);
    }
    if (after.name !== before.name) {
      const taken = await tx.scalingRule.findUnique({
        where: { poolId_name: { poolId: row.poolId, name: after.name } },
      });
      if (taken)
        throw apiError("WEIR_E_DUPLICATE", `Pool ${row.pool.name} already has a scaling rule named ${after.name}.`, {
          field: "name",
        });
    }
    await assertNoOverlap(tx, { ...after, id: row.id });
    const columns = scalingRuleColumns(after);
    const updated = await tx.scalingRule.update({
      where: { id: row.id },
      data: {
        ...columns,
        metrics: columns.metrics as never,
        policies: columns.policies as never,
        actuatorConfig: columns.actuatorConfig as never,
        version: { increment: 1 },
      },
      include: SCALING_RULE_INCLUDE,
    });
    await recordAudit(tx, {
      actor: options.actor,
      action: "scaling_rule.update",
      targetType: "scaling_rule",
      targetId: row.id,
      before: auditView(before, row.pool.name),
      after: auditView(after, row.pool.name),
      ip: options.ip,
      requestId: options.requestId,
    });
    await tx.$executeRaw`SELECT pg_notify(${SCALING_CHANNEL}, ${row.id})`;
    return toScalingRuleDto(updated);
  });
}
