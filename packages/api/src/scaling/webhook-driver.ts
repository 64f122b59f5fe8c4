import type { ScalingRuleSpec, WebhookActuatorConfig } from "@weir/config/api";
import type { DecisionRecord } from "../domain/scaling/record-decision";
import type { ScalingRuleRow } from "../domain/scaling/rule-row";
import { updateRuleState } from "../domain/scaling/rule-state";
import { callScalingWebhook } from "./actuators/webhook";
import type { WebhookCall } from "./plan";
import { recordScaleEvent } from "./recommend";
import type { ScalingRuntime } from "./runtime";

/**
 * The webhook actuator: each count POSTed to the receiver (signed, retried, given up when
 * leadership is lost). A delivered count is remembered per version, as the count the rule manages
 * now, with its scale event; the first failure stops the rest and is recorded.
 */
export async function deliverWebhooks(
  rt: ScalingRuntime,
  row: ScalingRuleRow,
  spec: ScalingRuleSpec,
  actuator: WebhookActuatorConfig,
  calls: readonly WebhookCall[],
  reason: string,
  decision: Pick<DecisionRecord, "current" | "desired">,
): Promise<void> {
  const { db } = rt;
  for (const call of calls) {
    const result = await callScalingWebhook({
      config: actuator,
      payload: {
        rule: spec.name,
        pool: row.pool.name,
        ...(call.version !== undefined ? { version: call.version } : {}),
        current: call.current,
        desired: call.desired,
        reason,
      },
      signal: rt.signal,
    });
    const now = rt.clock();
    if (!result.ok) {
      await rt.recordFailure(
        row.id,
        now,
        {
          code: "WEIR_E_WEBHOOK_FAILED",
          message: `${actuator.url}: ${result.error} after ${result.attempts} attempt${result.attempts === 1 ? "" : "s"}`,
        },
        decision,
      );
      return;
    }
    await db.$transaction((tx) =>
      updateRuleState(
        tx,
        row.id,
        (s) => ({
          ...s,
          lastError: null,
          delivered: { ...s.delivered, [call.key]: call.desired },
          events: recordScaleEvent(
            s.events,
            { at: now, from: s.delivered[call.key] ?? call.current, to: call.desired },
            spec.policies,
          ),
        }),
        { lastScaleAt: new Date(now) },
      ),
    );
  }
}
