import type { PoolTick } from "@weir/config";
import type { ScalingRuleSpec } from "@weir/config/api";
import { type Db, type LeaderLoop, runWhileLeader } from "@weir/db";
import { agentGate, type GateResult } from "../domain/rollouts/agent-gate";
import { saveEvaluation } from "../domain/scaling/record-decision";
import { SCALING_RULE_INCLUDE, type ScalingRuleRow, specOf } from "../domain/scaling/rule-row";
import { inScope, isManagedBy, managedMeta, type RuleState, readRuleState } from "../domain/scaling/rule-state";
import { drainManagedBackends, type RuleRef, removeManagedBackends } from "../domain/scaling/scale-backends";
import type { HubLogger } from "../hub/types";
import type { KubernetesActuator, KubernetesTarget } from "./actuators/kubernetes";
import { KubernetesDriver } from "./kubernetes-driver";
import { measure } from "./metrics";
import { acts, decisionInputs, defaultVersion, planActuation, versionShares, weightFor } from "./plan";
import { ProcessDriver } from "./process-driver";
import { recommend, splitByTrafficShare } from "./recommend";
import { type ScalingHub, ScalingRuntime } from "./runtime";
import { deliverWebhooks } from "./webhook-driver";

export type { ScalingHub } from "./runtime";

/** Advisory lock key of the scaling controller's leader. */
const SCALING_LOCK = 0x57_45_49_55;

export interface ScalingControllerOptions {
  db: Db;
  databaseUrl: string;
  logger: HubLogger;
  hub: ScalingHub;
  /** How often every rule is evaluated. Default 1 s. */
  tickMs?: number;
  /** Seconds of live data a metric value covers. Default 10. */
  metricWindowSec?: number;
  /** A draining backend is removed after this even with requests in flight. Default 60 s. */
  drainTimeoutMs?: number;
  /** A decision is logged when something changes, and at least this often. Default 10 s. */
  decisionEveryMs?: number;
  /** Kubernetes rules read the Deployment and its EndpointSlices this often. Default 5 s. */
  kubernetesEveryMs?: number;
  /** Tests: a Kubernetes client for a target. */
  kubernetes?: (target: KubernetesTarget) => KubernetesActuator;
  now?: () => number;
}

export interface ScalingController {
  isLeader(): boolean;
  close(): Promise<void>;
}

/**
 * The autoscaler: every second, on one control-plane replica at a time (a Postgres advisory lock
 * elects it), each enabled scaling rule is evaluated and its actuator carries the decision out.
 * Everything it must remember is in Postgres (the rule's `controllerState`, the backends'
 * metadata), so a restarted or newly elected controller goes on where the last one stopped.
 *
 * One evaluation: the rule's metric values from the hub's live per-second data (metrics.ts); the
 * count it manages now (`current`: its scope's active backends; for kubernetes, the Deployment's
 * spec.replicas plus backends added by hand; for a webhook, the count last delivered); the HPA's
 * algorithm (recommend.ts) with the stored history and scale events; during a rollout, a
 * whole-pool rule splits the count across versions by their traffic share. The decision log gets
 * a row when the decision changes or something is done, and at least every `decisionEveryMs`.
 *
 * Actuators (their drivers: process-driver.ts, kubernetes-driver.ts, webhook-driver.ts):
 * - process: the rule's agent starts processes (`process:start` over the agent link); each one
 *   that accepts connections is added to the pool (origin autoscaler). Scale-down drains the newest
 *   backends, removes each once agents run the draining config and report no request in flight on
 *   it (or after the actuator's `drainTimeoutMs`, else the controller's), and stops its process
 *   once agents run the config without it.
 * - kubernetes: the Deployment's replicas through its scale subresource; its ready endpoints are
 *   kept in the pool (origin discovery), a vanished one drained before it is removed.
 * - webhook: the desired count POSTed to the receiver (signed); the receiver adds the backends.
 *
 * A scale event is recorded for the rate policies only once the actuator succeeded. Backends an
 * operator added by hand count towards the rule's total but are never removed by it.
 */
export function startScalingController(options: ScalingControllerOptions): ScalingController {
  const rt = new ScalingRuntime(
    options.db,
    options.hub,
    options.logger,
    options.now ?? Date.now,
    options.decisionEveryMs ?? 10_000,
  );
  const windowSec = options.metricWindowSec ?? 10;
  const drainTimeoutMs = options.drainTimeoutMs ?? 60_000;
  const processes = new ProcessDriver(rt);
  const kubernetes = new KubernetesDriver(rt, options.kubernetesEveryMs ?? 5_000, options.kubernetes);
  /** When agents were first seen running each draining backend's draining config. */
  const drainAcked = new Map<string, number>();

  const tickRule = async (id: string) => {
    const row = await rt.db.scalingRule.findUnique({ where: { id }, include: SCALING_RULE_INCLUDE });
    if (row === null) return;
    let spec: ScalingRuleSpec;
    try {
      spec = specOf(row);
    } catch (error) {
      rt.warnThrottled(
        `spec:${id}`,
        `scaling rule ${row.name} (${id}) does not validate and is skipped: ${(error as Error).message}`,
      );
      return;
    }
    const now = rt.clock();
    const ref: RuleRef = { id, name: row.name, poolId: row.poolId, poolName: row.pool.name, policies: spec.policies };
    const state = readRuleState(row.controllerState);
    await progressDrains(row, spec, ref, now);
    await processes.progressStops(row, state, now);
    if (!spec.enabled || rt.isBusy(id)) return;
    await evaluate(row, spec, state, ref, now);
  };

  /** Removes the rule's draining backends that are idle (or past the drain timeout). */
  const progressDrains = async (row: ScalingRuleRow, spec: ScalingRuleSpec, ref: RuleRef, now: number) => {
    const draining = row.pool.backends.filter((b) => b.state === "draining" && isManagedBy(row.id, b));
    if (draining.length === 0) return;
    const idle: string[] = [];
    const late: string[] = [];
    // The rule's own limit where its actuator has one, else the controller's.
    const timeoutMs = (spec.actuator.kind !== "webhook" ? spec.actuator.drainTimeoutMs : undefined) ?? drainTimeoutMs;
    // Backends drained by one decision share its config version: one gate read each.
    const gates = new Map<number, Promise<GateResult>>();
    const gateFor = (version: number) => {
      const known = gates.get(version);
      if (known !== undefined) return known;
      const gate = agentGate(rt.db, row.pool.name, version);
      gates.set(version, gate);
      return gate;
    };
    for (const b of draining) {
      const meta = managedMeta(b);
      const since = meta?.drainingSince ?? b.updatedAt.getTime();
      let ackedAt = drainAcked.get(b.id);
      if (ackedAt === undefined && meta?.drainVersion !== undefined) {
        const gate = await gateFor(meta.drainVersion);
        if (gate.state === "reached") {
          ackedAt = now;
          drainAcked.set(b.id, now);
        }
      }
      if (ackedAt !== undefined && drainedSince(rt.hub.poolHistory(row.pool.name), b.id, ackedAt)) idle.push(b.id);
      else if (now - since >= timeoutMs) late.push(b.id);
    }
    const stopGraceMs = spec.actuator.kind === "process" ? spec.actuator.stopGraceMs : 0;
    for (const [ids, reason] of [
      [idle, "drained: no request in flight"],
      [late, `drain timeout: still busy after ${timeoutMs} ms`],
    ] as const) {
      if (ids.length === 0) continue;
      await removeManagedBackends({ db: rt.db, rule: ref, backendIds: [...ids], reason, stopGraceMs, now });
      for (const backendId of ids) drainAcked.delete(backendId);
    }
  };

  /** One evaluation: measure, recommend, log the decision, and hand the plan to the actuator. */
  const evaluate = async (row: ScalingRuleRow, spec: ScalingRuleSpec, state: RuleState, ref: RuleRef, now: number) => {
    const scoped = row.pool.backends.filter((b) => inScope(spec, b));
    const active = scoped.filter((b) => b.state === "active");
    const unmanaged = active.filter((b) => !isManagedBy(row.id, b));
    const shares = spec.actuator.kind === "kubernetes" ? null : versionShares(spec, row.pool.trafficSplit);
    const countOf = (version: string | null) =>
      active.filter((b) => version === null || b.versionLabel === version).length;

    // The count the rule manages now.
    let current: number;
    let kube: KubernetesActuator | undefined;
    let kubeReplicas = 0;
    if (spec.actuator.kind === "kubernetes") {
      if (!kubernetes.claimSync(row.id, now)) return;
      kube = kubernetes.clientFor(row.id, spec.actuator);
      try {
        kubeReplicas = await kubernetes.sync(row, spec, ref, kube, now);
      } catch (error) {
        await rt.recordFailure(row.id, now, error, { current: active.length, desired: state.desired ?? active.length });
        return;
      }
      current = unmanaged.length + kubeReplicas;
    } else if (spec.actuator.kind === "webhook") {
      current = shares
        ? shares.reduce((sum, s) => sum + (state.delivered[s.version] ?? countOf(s.version)), 0)
        : (state.delivered[""] ?? active.length);
    } else current = active.length;

    const m = measure(rt.hub, {
      pool: row.pool.name,
      versionLabel: spec.versionLabel,
      activeIds: new Set(active.map((b) => b.id)),
      windowSec,
    });
    if (m.warmingUp) return;
    const rec = recommend({
      rule: spec,
      current,
      ready: Math.min(m.ready, current),
      values: m.values,
      history: state.history,
      events: state.events,
      now,
    });

    const targets = shares
      ? splitByTrafficShare(rec.desired, shares)
      : [{ version: defaultVersion(spec, active), desired: rec.desired }];
    const byVersion = targets.map((t) => ({
      version: t.version,
      share: shares?.find((s) => s.version === t.version)?.share ?? null,
      current: shares ? countOf(t.version) : active.length,
      desired: t.desired,
    }));
    const plan = planActuation({
      ruleId: row.id,
      spec,
      active,
      unmanaged,
      byVersion,
      split: shares !== null,
      current,
      desired: rec.desired,
      kubeReplicas,
      delivered: state.delivered,
    });

    const signature = [rec.action, current, rec.desired, m.ready, rec.limitedBy ?? "", m.missing ? 1 : 0].join("|");
    const due =
      state.lastDecision === null ||
      state.lastDecision.signature !== signature ||
      now - state.lastDecision.at >= rt.decisionEveryMs;
    const decision = {
      action: rec.action,
      current,
      recommended: rec.recommended ?? current,
      desired: rec.desired,
      reason: `${m.missing ? `${m.missing}; ` : ""}${rec.reason}${plan.note}`,
      inputs: decisionInputs(spec, rec, m, byVersion, shares !== null, plan),
      signature,
    };
    await saveEvaluation({
      db: rt.db,
      ruleId: row.id,
      now,
      state: (s) => ({ ...s, history: rec.history, desired: rec.desired }),
      ...(acts(plan) || due ? { decision } : {}),
    });

    if (plan.drain.length > 0) {
      await drainManagedBackends({
        db: rt.db,
        rule: ref,
        backendIds: plan.drain.map((b) => b.id),
        event: { from: current, to: current - plan.drain.length },
        reason: rec.reason,
        now,
      });
    }
    if (plan.starts.length > 0 && spec.actuator.kind === "process")
      rt.runBusy(row.id, processes.start(row, ref, spec.actuator, plan.starts, current, weightFor(active)));
    if (kube !== undefined && plan.kubeTarget !== undefined) {
      const change = { from: current, to: unmanaged.length + plan.kubeTarget };
      rt.runBusy(row.id, kubernetes.scale(row, spec, kube, plan.kubeTarget, change, decision));
    }
    if (plan.webhookCalls.length > 0 && spec.actuator.kind === "webhook")
      rt.runBusy(row.id, deliverWebhooks(rt, row, spec, spec.actuator, plan.webhookCalls, rec.reason, decision));
  };

  const unsubscribe = processes.watchExits();

  // The loop, on the leader only.
  const loop = async () => {
    const rows = await rt.db.scalingRule.findMany({
      select: { id: true },
      orderBy: [{ createdAt: "asc" }, { id: "asc" }],
    });
    for (const { id } of rows) {
      try {
        await tickRule(id);
      } catch (error) {
        rt.warnThrottled(`tick:${id}`, `scaling rule ${id}: ${(error as Error).message}`);
      }
    }
  };

  const leader: LeaderLoop = runWhileLeader({
    url: options.databaseUrl,
    key: SCALING_LOCK,
    everyMs: options.tickMs ?? 1000,
    work: (signal) => {
      rt.signal = signal;
      return loop();
    },
    onElected: () => {
      rt.logger.info("this control plane drives the scaling rules (leader)");
      drainAcked.clear();
      kubernetes.reset();
    },
    onDemoted: () => rt.logger.warn("no longer the scaling leader; another replica takes over"),
    onError: (error) => rt.logger.warn(`scaling controller: ${error.message}`),
  });

  return {
    isLeader: () => leader.isLeader(),
    async close() {
      unsubscribe();
      await leader.close();
      await rt.settled();
    },
  };
}

/**
 * True once a live second that began after `since` (agents ran the draining config by then) shows
 * no request in flight on the backend, summed over every agent that reports it.
 */
function drainedSince(history: readonly PoolTick[], id: string, since: number): boolean {
  for (const tick of history) {
    if (tick.total.at < since) continue;
    const b = tick.backends.find((x) => x.id === id);
    if (b === undefined || b.agents === 0 || b.point.active === 0) return true;
  }
  return false;
}
