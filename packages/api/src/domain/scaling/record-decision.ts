import type { Db } from "@weir/db";
import { SCALING_CHANNEL } from "../../hub/types";
import type { ScalingAction } from "../../scaling/recommend";
import { type RuleState, updateRuleState } from "./rule-state";

export interface DecisionRecord {
  action: ScalingAction | "error";
  current: number;
  recommended: number;
  desired: number;
  reason: string;
  inputs: unknown;
}

/**
 * One evaluation's outcome: the rule's state (history, desired count, last error) always, and a
 * row of the decision log when `decision` is given; one transaction under the rule's row lock.
 * Browsers watching scaling are told (NOTIFY) when a row is written.
 */
export async function saveEvaluation(options: {
  db: Db;
  ruleId: string;
  now: number;
  state: (state: RuleState) => RuleState;
  decision?: DecisionRecord & { signature: string };
  /** Log the decision only when its signature differs from the last one or this long has passed. */
  unlessRepeatedWithinMs?: number;
}): Promise<void> {
  const { decision } = options;
  await options.db.$transaction(async (tx) => {
    let write = decision !== undefined;
    const saved = await updateRuleState(tx, options.ruleId, (s) => {
      const next = options.state(s);
      const last = s.lastDecision;
      if (
        decision !== undefined &&
        options.unlessRepeatedWithinMs !== undefined &&
        last !== null &&
        last.signature === decision.signature &&
        options.now - last.at < options.unlessRepeatedWithinMs
      )
        write = false;
      return write && decision ? { ...next, lastDecision: { at: options.now, signature: decision.signature } } : next;
    });
    if (saved === undefined || decision === undefined || !write) return;
    await tx.scalingDecision.create({
      data: {
        ruleId: options.ruleId,
        action: decision.action,
        currentBackends: decision.current,
        recommended: decision.recommended,
        desiredBackends: decision.desired,
        reason: decision.reason.slice(0, 4000),
        inputs: JSON.parse(JSON.stringify(decision.inputs ?? {})),
        createdAt: new Date(options.now),
      },
    });
    await tx.$executeRaw`SELECT pg_notify(${SCALING_CHANNEL}, ${options.ruleId})`;
  });
}
