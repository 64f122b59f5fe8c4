import { type TrafficSplit, trafficSplitSchema } from "@weir/config";
import type { Db } from "@weir/db";
import type { Actor } from "../../auth/actor";
import { apiError } from "../../errors";
import { ROLLOUT_CHANNEL } from "../../hub/types";
import {
  type RolloutAction,
  type RolloutEvent,
  type RolloutState,
  type RunAnalysisAction,
  step,
} from "../../rollouts/machine";
import { trafficSplitFor } from "../../rollouts/traffic-split";
import { recordAudit, type Tx } from "../audit/record-audit";
import { commitChangeInTx } from "../config/commit-change";
import { ROLLOUT_INCLUDE, type RolloutRow, stateColumns, stateOf } from "./rollout-row";

/**
 * Judges one analysis request; the controller's comes from the hub's live per-second data.
 * `undefined`: the window's data is not complete yet; the machine asks again an interval later.
 */
export type Analyst = (
  request: RunAnalysisAction,
  row: RolloutRow,
) => { verdict: "successful" | "failed" | "inconclusive"; reason: string; metrics: unknown } | undefined;

export interface ApplyOptions {
  db: Db;
  rolloutId: string;
  event: RolloutEvent;
  actor: Actor | "system";
  ip?: string | undefined;
  now?: number;
  /** Remembered between controller ticks (not stored). */
  lastCheckAt?: number | null;
  /** Without one (API commands), analysis requests are left to the controller's next tick. */
  analyst?: Analyst;
  /** `illegal` transitions throw WEIR_E_ROLLOUT_STATE; stale reports are returned, not thrown. */
}

export interface ApplyResult {
  row: RolloutRow;
  state: RolloutState;
  applied: boolean;
  /** Why the event did not apply (stale reports). */
  skipped?: string;
  /** Whether anything was written: a tick that finds nothing to do leaves the row alone. */
  changed: boolean;
}

/** Transitions fed in one go at most (an analysis verdict can request the next analysis). */
const MAX_CHAINED = 8;

/**
 * Feeds one event to a rollout's state machine and carries out what it decides, all in one
 * transaction with the rollout row locked: a routing change is written as a change of the pool's
 * traffic split (a new config version, audited, NOTIFYd at commit, like any operator change), the
 * audit actions become audit events, analysis requests are judged (when an analyst is given) and
 * their verdicts fed back, and the new state is stored. API commands and the controller both come
 * through here, so they serialise on the row lock and never see each other half-done.
 */
export async function applyRolloutEvent(options: ApplyOptions): Promise<ApplyResult> {
  return options.db.$transaction((tx) => applyRolloutEventInTx(tx, options), { timeout: 15_000 });
}

/**
 * The same on a transaction the caller holds: a pool change that moves the split by hand feeds
 * its rollout `manualSplitChange` in the change's own transaction. Such an event decides no
 * routing (routing would be a second config change inside the caller's).
 */
export async function applyRolloutEventInTx(tx: Tx, options: Omit<ApplyOptions, "db">): Promise<ApplyResult> {
  const now = options.now ?? Date.now();
  await tx.$queryRaw`SELECT id FROM rollouts WHERE id = ${options.rolloutId} FOR UPDATE`;
  const row = await tx.rollout.findUnique({ where: { id: options.rolloutId }, include: ROLLOUT_INCLUDE });
  if (row === null) throw apiError("WEIR_E_NOT_FOUND", `No rollout with id ${options.rolloutId}.`, { field: "id" });
  let state = stateOf(row, options.lastCheckAt ?? null);
  const storedBefore = JSON.stringify(stateColumns(state));
  const queue: RolloutEvent[] = [options.event];
  const effects: Effects = { routingVersion: undefined, wrote: false };
  let applied = false;
  let skipped: string | undefined;
  for (let i = 0; i < MAX_CHAINED && queue.length > 0; i++) {
    const event = queue.shift() as RolloutEvent;
    const result = step(state, event, now);
    if (!result.ok) {
      if (result.error.kind === "illegal" && i === 0) throw apiError("WEIR_E_ROLLOUT_STATE", result.error.message);
      skipped = result.error.message;
      continue;
    }
    applied = true;
    state = result.state;
    for (const action of result.actions) {
      const follow = await execute(tx, row, state, action, options, effects);
      if (follow !== undefined) queue.push(follow);
    }
  }
  // Most controller ticks find the rollout waiting: no write, no version, no notification.
  const changed = effects.wrote || JSON.stringify(stateColumns(state)) !== storedBefore;
  const extra = skipped !== undefined ? { skipped } : {};
  if (!changed) return { row, state, applied, changed, ...extra };
  const data = {
    ...stateColumns(state),
    ...(effects.routingVersion !== undefined ? { routingConfigVersion: effects.routingVersion } : {}),
    version: { increment: 1 },
  };
  const updated = await tx.rollout.update({ where: { id: row.id }, data, include: ROLLOUT_INCLUDE });
  await tx.$executeRaw`SELECT pg_notify(${ROLLOUT_CHANNEL}, ${row.id})`;
  return { row: updated, state, applied, changed, ...extra };
}

/** What carrying out the actions wrote beside the rollout row. */
interface Effects {
  routingVersion: number | undefined;
  wrote: boolean;
}

async function execute(
  tx: Tx,
  row: RolloutRow,
  state: RolloutState,
  action: RolloutAction,
  options: Omit<ApplyOptions, "db">,
  effects: Effects,
): Promise<RolloutEvent | undefined> {
  switch (action.type) {
    case "setSplit":
    case "setPreview":
    case "switchTo": {
      const pool = await tx.pool.findUnique({ where: { id: row.poolId } });
      if (pool === null) throw apiError("WEIR_E_NOT_FOUND", `The rollout's pool ${row.poolId} no longer exists.`);
      const current =
        pool.trafficSplit === null ? null : (trafficSplitSchema.safeParse(pool.trafficSplit).data ?? null);
      const split: TrafficSplit = trafficSplitFor(state.spec, action, current);
      const what =
        action.type === "setSplit"
          ? `${action.canaryPercent}% to ${state.spec.newVersion}`
          : action.type === "setPreview"
            ? `preview of ${action.version} by ${split.overrideHeader} header`
            : `all traffic to ${action.version}`;
      const { configVersion } = await commitChangeInTx(tx, {
        actor: options.actor,
        ip: options.ip,
        action: "pool.update",
        targetType: "pool",
        targetId: pool.id,
        summary: `${pool.name}: rollout ${state.spec.stableVersion} → ${state.spec.newVersion}: ${what}`,
        change: async (t) => {
          const after = await t.pool.update({
            where: { id: pool.id },
            data: { trafficSplit: split as never, version: { increment: 1 } },
          });
          return {
            before: { trafficSplit: pool.trafficSplit },
            after: { trafficSplit: after.trafficSplit },
            result: null,
          };
        },
      });
      effects.routingVersion = configVersion;
      effects.wrote = true;
      return undefined;
    }
    case "runAnalysis": {
      if (options.analyst === undefined) return undefined;
      const verdict = options.analyst(action, row);
      if (verdict === undefined) return undefined;
      effects.wrote = true;
      await tx.rolloutAnalysisRun.create({
        data: {
          rolloutId: row.id,
          step: action.step,
          verdict: verdict.verdict,
          reason: `${action.kind}: ${verdict.reason}`.slice(0, 2000),
          metrics: { kind: action.kind, from: action.from, to: action.to, ...(verdict.metrics as object) } as never,
        },
      });
      return { type: "analysis", request: action, result: { verdict: verdict.verdict, reason: verdict.reason } };
    }
    case "audit":
      effects.wrote = true;
      await recordAudit(tx, {
        actor: options.actor,
        action: action.action,
        targetType: "rollout",
        targetId: row.id,
        after: {
          pool: row.pool.name,
          status: state.status,
          step: state.currentStep,
          weight: state.currentWeight,
          message: action.message,
        },
        ip: options.ip,
      });
      return undefined;
    case "markFinished":
      return undefined;
  }
}
