import type { Db } from "@weir/db";
import type { Actor } from "../../auth/actor";
import { apiError } from "../../errors";
import { recordAudit } from "../audit/record-audit";
import { assertVersion } from "../config/commit-change";
import { auditView, SCALING_CHANNEL, SCALING_RULE_INCLUDE, specOf, toScalingRuleDto } from "./rule-row";

/**
 * Deletes a rule and its decision log. The backends it started stay in the pool as they are
 * (origin autoscaler), as a Deployment keeps its replicas when its HPA is deleted: remove them by
 * hand, or lower the rule's maxBackends first.
 */
export async function deleteScalingRule(options: {
  db: Db;
  actor: Actor;
  ip?: string;
  requestId?: string;
  input: { id: string; version: number };
}): Promise<{ id: string }> {
  const { input } = options;
  return options.db.$transaction(async (tx) => {
    await tx.$queryRaw`SELECT id FROM scaling_rules WHERE id = ${input.id} FOR UPDATE`;
    const row = await tx.scalingRule.findUnique({ where: { id: input.id }, include: SCALING_RULE_INCLUDE });
    if (row === null) throw apiError("WEIR_E_NOT_FOUND", `No scaling rule with id ${input.id}.`, { field: "id" });
    assertVersion(row, input.version, `Scaling rule ${row.name}`, () => toScalingRuleDto(row));
    await tx.scalingRule.delete({ where: { id: row.id } });
    await recordAudit(tx, {
      actor: options.actor,
      action: "scaling_rule.delete",
      targetType: "scaling_rule",
      targetId: row.id,
      before: auditView(specOf(row), row.pool.name),
      ip: options.ip,
      requestId: options.requestId,
    });
    await tx.$executeRaw`SELECT pg_notify(${SCALING_CHANNEL}, ${row.id})`;
    return { id: row.id };
  });
}
