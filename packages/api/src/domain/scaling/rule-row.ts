import {
  publicScalingActuator,
  type ScalingDecisionDto,
  type ScalingRuleDto,
  type ScalingRuleSpec,
  scalingRuleSpecFromColumns,
} from "@weir/config/api";
import type { Backend, Prisma, ScalingDecision, ScalingRule } from "@weir/db";
import { ZodError } from "zod";
import { apiError } from "../../errors";
import { SCALING_CHANNEL } from "../../hub/types";
import { inScope, isManagedBy, readRuleState } from "./rule-state";

export { SCALING_CHANNEL };

/** A rule row with its pool's name and backends: what the API and the controller read. */
export type ScalingRuleRow = Prisma.ScalingRuleGetPayload<{
  include: { pool: { select: { name: true; trafficSplit: true; backends: true } } };
}>;

export const SCALING_RULE_INCLUDE = {
  pool: { select: { name: true, trafficSplit: true, backends: true } },
} as const;

/** The rule's definition, validated again from its columns (the rest of the row is the controller's). */
export function specOf(row: ScalingRule): ScalingRuleSpec {
  return scalingRuleSpecFromColumns({
    name: row.name,
    poolId: row.poolId,
    versionLabel: row.versionLabel,
    enabled: row.enabled,
    metrics: row.metrics,
    minBackends: row.minBackends,
    maxBackends: row.maxBackends,
    tolerance: row.tolerance,
    scaleUpWindowSec: row.scaleUpWindowSec,
    scaleDownWindowSec: row.scaleDownWindowSec,
    policies: row.policies,
    missingMetrics: row.missingMetrics,
    fallbackBackends: row.fallbackBackends,
    actuator: row.actuator,
    actuatorConfig: row.actuatorConfig,
  });
}

/** The rule as stored, without secrets: what audit events keep of it. */
export function auditView(spec: ScalingRuleSpec, poolName: string): Record<string, unknown> {
  return { ...spec, pool: poolName, actuator: publicScalingActuator(spec.actuator) };
}

/** Counts of the rule's backends as they stand. */
export function countBackends(row: { id: string; versionLabel: string | null }, backends: readonly Backend[]) {
  const scoped = backends.filter((b) => inScope(row, b));
  return {
    current: scoped.filter((b) => b.state === "active").length,
    managed: scoped.filter((b) => b.state === "active" && isManagedBy(row.id, b)).length,
    draining: scoped.filter((b) => b.state === "draining" && isManagedBy(row.id, b)).length,
  };
}

export function toScalingRuleDto(row: ScalingRuleRow): ScalingRuleDto {
  const spec = specOf(row);
  const state = readRuleState(row.controllerState);
  const iso = (ms: number) => new Date(ms).toISOString();
  return {
    id: row.id,
    name: spec.name,
    poolId: row.poolId,
    poolName: row.pool.name,
    versionLabel: spec.versionLabel,
    enabled: spec.enabled,
    metrics: spec.metrics,
    minBackends: spec.minBackends,
    maxBackends: spec.maxBackends,
    tolerance: spec.tolerance,
    scaleUpWindowSec: spec.scaleUpWindowSec,
    scaleDownWindowSec: spec.scaleDownWindowSec,
    policies: spec.policies,
    missingMetrics: spec.missingMetrics,
    fallbackBackends: spec.fallbackBackends,
    actuator: publicScalingActuator(spec.actuator) as ScalingRuleDto["actuator"],
    status: {
      ...countBackends(row, row.pool.backends),
      desired: state.desired,
      lastDecisionAt: state.lastDecision ? iso(state.lastDecision.at) : null,
      lastScaleAt: row.lastScaleAt?.toISOString() ?? null,
      lastError: state.lastError ? { ...state.lastError, at: iso(state.lastError.at) } : null,
    },
    version: row.version,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

export function toScalingDecisionDto(row: ScalingDecision): ScalingDecisionDto {
  return {
    id: row.id,
    ruleId: row.ruleId,
    at: row.createdAt.toISOString(),
    action: row.action,
    currentBackends: row.currentBackends,
    recommended: row.recommended,
    desiredBackends: row.desiredBackends,
    reason: row.reason,
    inputs: row.inputs,
  };
}

/**
 * A rule that does not validate as a whole (an edit that puts minBackends above the stored
 * maxBackends, say): WEIR_E_INVALID_INPUT naming the first field, as input validation would.
 */
export function invalidRule(error: unknown): never {
  if (error instanceof ZodError) {
    const issue = error.issues[0];
    const field = issue?.path.join(".") || "(input)";
    throw apiError("WEIR_E_INVALID_INPUT", `${field}: ${issue?.message ?? "invalid"}`, { field });
  }
  throw error;
}
