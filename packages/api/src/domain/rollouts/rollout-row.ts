import { type RolloutDto, type RolloutSpec, rolloutSpecFromColumns } from "@weir/config/api";
import type { Prisma } from "@weir/db";
import type { RolloutState } from "../../rollouts/machine";

/** A rollout row with what the API and the controller read beside it. */
export type RolloutRow = Prisma.RolloutGetPayload<{
  include: { pool: { select: { name: true } }; createdBy: { select: { email: true } } };
}>;

export const ROLLOUT_INCLUDE = {
  pool: { select: { name: true } },
  createdBy: { select: { email: true } },
} as const;

/** The rollout statuses in which it drives its pool (one such rollout per pool at most). */
export const ACTIVE_STATUSES = ["pending", "progressing", "paused"] as const;

export function specOf(row: RolloutRow): RolloutSpec {
  return rolloutSpecFromColumns({
    poolId: row.poolId,
    strategy: row.strategy,
    stableVersion: row.stableVersion,
    newVersion: row.newVersion,
    steps: row.steps,
    analysis: row.analysis,
    match: row.match,
    sticky: row.sticky,
  });
}

/** The state machine's view of a row; `lastCheckAt` is the controller's (not stored). */
export function stateOf(row: RolloutRow, lastCheckAt: number | null = null): RolloutState {
  return {
    spec: specOf(row),
    status: row.status,
    currentStep: row.currentStep,
    currentWeight: row.currentWeight,
    stepStartedAt: row.stepStartedAt?.getTime() ?? null,
    failedChecks: row.failedChecks,
    message: row.message,
    startedAt: row.startedAt?.getTime() ?? null,
    finishedAt: row.finishedAt?.getTime() ?? null,
    lastCheckAt,
  };
}

/** The columns a new state writes back. Every field, every time: a transition may clear any of them. */
export function stateColumns(state: RolloutState) {
  return {
    status: state.status,
    currentStep: state.currentStep,
    currentWeight: state.currentWeight,
    stepStartedAt: state.stepStartedAt === null ? null : new Date(state.stepStartedAt),
    failedChecks: state.failedChecks,
    message: state.message,
    startedAt: state.startedAt === null ? null : new Date(state.startedAt),
    finishedAt: state.finishedAt === null ? null : new Date(state.finishedAt),
  };
}

export function toRolloutDto(
  row: RolloutRow,
  runs: Array<{
    createdAt: Date;
    step: number;
    verdict: "successful" | "failed" | "inconclusive";
    reason: string;
    metrics: unknown;
  }> = [],
): RolloutDto {
  let spec: unknown;
  try {
    spec = specOf(row);
  } catch {
    spec = { steps: row.steps, analysis: row.analysis, match: row.match, sticky: row.sticky };
  }
  return {
    id: row.id,
    poolId: row.poolId,
    pool: row.pool.name,
    spec,
    strategy: row.strategy,
    stableVersion: row.stableVersion,
    newVersion: row.newVersion,
    status: row.status,
    currentStep: row.currentStep,
    currentWeight: row.currentWeight,
    stepStartedAt: row.stepStartedAt?.toISOString() ?? null,
    routingConfigVersion: row.routingConfigVersion,
    failedChecks: row.failedChecks,
    message: row.message,
    startedAt: row.startedAt?.toISOString() ?? null,
    finishedAt: row.finishedAt?.toISOString() ?? null,
    createdBy: row.createdBy?.email ?? null,
    version: row.version,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    analysisRuns: runs.map((r) => ({
      at: r.createdAt.toISOString(),
      step: r.step,
      verdict: r.verdict,
      reason: r.reason,
      metrics: r.metrics,
    })),
  };
}
