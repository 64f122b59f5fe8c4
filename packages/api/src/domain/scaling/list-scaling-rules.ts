import type { ScalingDecisionDto, ScalingRuleDetailDto, ScalingRuleDto } from "@weir/config/api";
import type { Db } from "@weir/db";
import { apiError } from "../../errors";
import { poolIdOf } from "../pools/pool-ref";
import { SCALING_RULE_INCLUDE, toScalingDecisionDto, toScalingRuleDto } from "./rule-row";

export async function listScalingRules(options: { db: Db; poolId?: string | undefined }): Promise<ScalingRuleDto[]> {
  let poolId: string | undefined;
  if (options.poolId !== undefined) {
    poolId = await poolIdOf(options.db, options.poolId);
  }
  const rows = await options.db.scalingRule.findMany({
    where: poolId !== undefined ? { poolId } : {},
    include: SCALING_RULE_INCLUDE,
    orderBy: [{ createdAt: "asc" }, { id: "asc" }],
    take: 500,
  });
  return rows.map(toScalingRuleDto);
}

/** A rule, where it stands, and its last 20 decisions, newest first. */
export async function getScalingRule(options: { db: Db; id: string }): Promise<ScalingRuleDetailDto> {
  const row = await options.db.scalingRule.findUnique({ where: { id: options.id }, include: SCALING_RULE_INCLUDE });
  if (row === null) throw apiError("WEIR_E_NOT_FOUND", `No scaling rule with id ${options.id}.`, { field: "id" });
  const decisions = await options.db.scalingDecision.findMany({
    where: { ruleId: row.id },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: 20,
  });
  return { ...toScalingRuleDto(row), decisions: decisions.map(toScalingDecisionDto) };
}

/** The decision log of a rule, newest first, from `from` on. */
export async function listScalingDecisions(options: {
  db: Db;
  id: string;
  from?: string | undefined;
  limit: number;
}): Promise<ScalingDecisionDto[]> {
  const rule = await options.db.scalingRule.findUnique({ where: { id: options.id }, select: { id: true } });
  if (rule === null) throw apiError("WEIR_E_NOT_FOUND", `No scaling rule with id ${options.id}.`, { field: "id" });
  const rows = await options.db.scalingDecision.findMany({
    where: { ruleId: rule.id, ...(options.from !== undefined ? { createdAt: { gte: new Date(options.from) } } : {}) },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: options.limit,
  });
  return rows.map(toScalingDecisionDto);
}
