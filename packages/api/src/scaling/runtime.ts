import type { ScalingRuleSpec } from "@weir/config/api";
import type { Db } from "@weir/db";
import { saveEvaluation } from "../domain/scaling/record-decision";
import { updateRuleState } from "../domain/scaling/rule-state";
import type { Hub } from "../hub/hub";
import type { HubLogger } from "../hub/types";
import { LogThrottle } from "../log-throttle";
import type { MetricSource } from "./metrics";
import { recordScaleEvent } from "./recommend";

/** What the controller needs of the hub: its live data, and the link to agents for the process actuator. */
export interface ScalingHub extends MetricSource {
  sendToAgent: Hub["sendToAgent"];
  onProcessExit: Hub["onProcessExit"];
}

/**
 * What the controller and its actuator drivers share: the database, the hub, the clock, the
 * background work under way, throttled warnings, and the two records every actuator writes
 * (a scale event once it succeeded, a failure when it did not).
 */
export class ScalingRuntime {
  /** Rules with a start, a webhook call or a Kubernetes write under way: not evaluated until it ends. */
  private readonly busy = new Set<string>();
  private readonly background = new Set<Promise<unknown>>();
  private readonly warned: LogThrottle;
  /** Aborted when leadership is lost (or the controller closes): long actuator calls give up. */
  signal: AbortSignal = AbortSignal.abort();

  constructor(
    readonly db: Db,
    readonly hub: ScalingHub,
    readonly logger: HubLogger,
    readonly clock: () => number,
    /** A decision is logged when something changes, and at least this often. */
    readonly decisionEveryMs: number,
  ) {
    this.warned = new LogThrottle(clock);
  }

  /** Runs `promise` in the background; its failure is logged; `settled` waits for it. */
  track(promise: Promise<unknown>): void {
    const p = promise
      .catch((error: Error) => this.logger.warn(`scaling: ${error.message}`))
      .finally(() => this.background.delete(p));
    this.background.add(p);
  }

  /** Carries out an actuator's operation in the background; the rule is not evaluated meanwhile. */
  runBusy(ruleId: string, operation: Promise<void>): void {
    this.busy.add(ruleId);
    this.track(operation.finally(() => this.busy.delete(ruleId)));
  }

  isBusy(ruleId: string): boolean {
    return this.busy.has(ruleId);
  }

  /** Resolves once the background work started so far has ended. */
  async settled(): Promise<void> {
    await Promise.all([...this.background]);
  }

  /** At most one line a minute per key: a broken rule must not flood the log. */
  warnThrottled(key: string, message: string): void {
    if (this.warned.allow(key)) this.logger.warn(message);
  }

  /** The actuator changed the count: a scale event for the rate policies, and no error any more. */
  async recordEvent(ruleId: string, spec: ScalingRuleSpec, change: { from: number; to: number }, now: number) {
    await this.db.$transaction((tx) =>
      updateRuleState(
        tx,
        ruleId,
        (s) => ({ ...s, lastError: null, events: recordScaleEvent(s.events, { at: now, ...change }, spec.policies) }),
        { lastScaleAt: new Date(now) },
      ),
    );
  }

  /** An actuator's failure: a decision with action `error` whose reason starts with the code, and the rule's lastError. */
  async recordFailure(ruleId: string, now: number, error: unknown, counts: { current: number; desired: number }) {
    const e = error as { code?: string; message?: string };
    const code = typeof e?.code === "string" && e.code.startsWith("WEIR_E_") ? e.code : "WEIR_E_INTERNAL";
    const message = (e?.message ?? String(error)).slice(0, 2000);
    this.warnThrottled(`fail:${ruleId}:${code}`, `scaling rule ${ruleId}: ${code}: ${message}`);
    await saveEvaluation({
      db: this.db,
      ruleId,
      now,
      state: (s) => ({ ...s, lastError: { at: now, code, message } }),
      decision: {
        action: "error",
        current: counts.current,
        recommended: counts.desired,
        desired: counts.desired,
        reason: `${code}: ${message}`,
        inputs: { error: { code, message } },
        signature: `error|${code}`,
      },
      // An agent that stays away fails every evaluation: one row per decision period is enough.
      unlessRepeatedWithinMs: this.decisionEveryMs,
    });
  }
}
