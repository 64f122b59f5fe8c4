import { trafficSplitSchema } from "@weir/config";
import type { ScalingRuleSpec } from "@weir/config/api";
import type { Backend } from "@weir/db";
import { isManagedBy } from "../domain/scaling/rule-state";
import type { Measurement } from "./metrics";
import type { Recommendation, VersionShare } from "./recommend";

/** One version's part of a decision (the whole scope is one entry with no share). */
export interface VersionCount {
  version: string;
  share: number | null;
  current: number;
  desired: number;
}

/** A count to POST to the webhook; `key` is the version ("" for the whole scope) it is remembered under. */
export interface WebhookCall {
  key: string;
  version: string | undefined;
  current: number;
  desired: number;
}

/** What the actuator will do for one decision. */
export interface ActuatorPlan {
  starts: Array<{ version: string; count: number }>;
  drain: Backend[];
  /** The Deployment's new spec.replicas, when it changes. */
  kubeTarget: number | undefined;
  webhookCalls: WebhookCall[];
  /** Said after the decision's reason. */
  note: string;
}

/**
 * Turns the desired counts into actuator work. Process: start the missing backends, or drain the
 * newest of the rule's own (never one added by hand); a rebalance across versions drains only
 * once the new backends serve. Kubernetes: the replicas that, with the hand-added backends, make
 * the desired count. Webhook: one call per count that differs from the one last delivered.
 */
export function planActuation(input: {
  ruleId: string;
  spec: ScalingRuleSpec;
  active: readonly Backend[];
  unmanaged: readonly Backend[];
  byVersion: readonly VersionCount[];
  /** The counts are split across versions by traffic share. */
  split: boolean;
  current: number;
  desired: number;
  kubeReplicas: number;
  delivered: Readonly<Record<string, number>>;
}): ActuatorPlan {
  const { spec, split } = input;
  const plan: ActuatorPlan = { starts: [], drain: [], kubeTarget: undefined, webhookCalls: [], note: "" };
  switch (spec.actuator.kind) {
    case "process": {
      for (const v of input.byVersion) {
        if (v.desired > v.current) plan.starts.push({ version: v.version, count: v.desired - v.current });
        if (v.desired < v.current) {
          const removable = input.active
            .filter((b) => isManagedBy(input.ruleId, b) && (!split || b.versionLabel === v.version))
            .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? 1 : -1));
          plan.drain.push(...removable.slice(0, v.current - v.desired));
          if (removable.length < v.current - v.desired) {
            const n = input.unmanaged.length;
            plan.note = `; ${n} backend${n === 1 ? "" : "s"} added by hand stay`;
          }
        }
      }
      if (plan.starts.length > 0) plan.drain = [];
      break;
    }
    case "kubernetes":
      if (input.desired !== input.current) {
        const target = Math.max(0, input.desired - input.unmanaged.length);
        if (target !== input.kubeReplicas) plan.kubeTarget = target;
      }
      break;
    case "webhook":
      for (const v of input.byVersion) {
        const key = split ? v.version : "";
        const delivered = input.delivered[key] ?? v.current;
        if (v.desired !== delivered)
          plan.webhookCalls.push({
            key,
            version: split ? v.version : (spec.versionLabel ?? undefined),
            current: v.current,
            desired: v.desired,
          });
      }
      break;
  }
  return plan;
}

export function acts(plan: ActuatorPlan): boolean {
  return (
    plan.starts.length > 0 || plan.drain.length > 0 || plan.kubeTarget !== undefined || plan.webhookCalls.length > 0
  );
}

/**
 * During a rollout (the pool has a traffic split), a whole-pool rule's count is split across the
 * stable and canary versions by their traffic share. Null when there is no split or the rule is
 * scoped to one version.
 */
export function versionShares(spec: ScalingRuleSpec, trafficSplit: unknown): VersionShare[] | null {
  if (spec.versionLabel !== null || trafficSplit === null) return null;
  const split = trafficSplitSchema.safeParse(trafficSplit);
  if (!split.success || split.data.stableVersion === split.data.canaryVersion) return null;
  return [
    { version: split.data.stableVersion, share: 100 - split.data.canaryPercent },
    { version: split.data.canaryVersion, share: split.data.canaryPercent },
  ];
}

/** The version new backends get: the rule's, the actuator's, else the one most backends in scope have. */
export function defaultVersion(spec: ScalingRuleSpec, active: readonly Backend[]): string {
  if (spec.versionLabel !== null) return spec.versionLabel;
  if (spec.actuator.kind === "process" && spec.actuator.versionLabel !== undefined) return spec.actuator.versionLabel;
  const counts = new Map<string, number>();
  for (const b of active) counts.set(b.versionLabel, (counts.get(b.versionLabel) ?? 0) + 1);
  let best: string | undefined;
  for (const [label, n] of counts) if (best === undefined || n > (counts.get(best) ?? 0)) best = label;
  return best ?? "v1";
}

/** New backends weigh what the scope's backends weigh (the largest weight), 100 in an empty scope. */
export function weightFor(active: readonly Backend[]): number {
  return active.reduce((max, b) => Math.max(max, b.weight), 0) || 100;
}

/** The decision log's inputs: what was measured, what the algorithm made of it, and the plan. */
export function decisionInputs(
  spec: ScalingRuleSpec,
  rec: Recommendation,
  m: Measurement,
  byVersion: readonly VersionCount[],
  split: boolean,
  plan: ActuatorPlan,
): Record<string, unknown> {
  return {
    windowSec: m.reportedSec,
    ready: m.ready,
    requests: m.requests,
    rps: m.rps,
    missing: m.missing,
    metrics: rec.metrics,
    recommended: rec.recommended,
    stabilized: rec.stabilized,
    limitedBy: rec.limitedBy,
    minBackends: spec.minBackends,
    maxBackends: spec.maxBackends,
    actuator: spec.actuator.kind,
    ...(split ? { versions: byVersion } : {}),
    plan: {
      starts: plan.starts,
      drain: plan.drain.map((b) => `${b.host}:${b.port}`),
      ...(plan.kubeTarget !== undefined ? { replicas: plan.kubeTarget } : {}),
      ...(plan.webhookCalls.length > 0
        ? { webhook: plan.webhookCalls.map((c) => ({ version: c.version, desired: c.desired })) }
        : {}),
    },
  };
}
