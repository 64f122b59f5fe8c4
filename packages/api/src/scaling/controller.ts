import { type PoolTick, trafficSplitSchema } from "@weir/config";
import type {
  KubernetesActuatorConfig,
  ProcessActuatorConfig,
  ScalingRuleSpec,
  WebhookActuatorConfig,
} from "@weir/config/api";
import { type Backend, type Db, type LeaderLoop, runWhileLeader } from "@weir/db";
import { agentGate } from "../domain/rollouts/agent-gate";
import { type DecisionRecord, saveEvaluation } from "../domain/scaling/record-decision";
import { SCALING_RULE_INCLUDE, type ScalingRuleRow, specOf } from "../domain/scaling/rule-row";
import {
  inScope,
  isManagedBy,
  managedMeta,
  type PendingStop,
  type RuleState,
  readRuleState,
  updateRuleState,
} from "../domain/scaling/rule-state";
import {
  addManagedBackends,
  drainManagedBackends,
  type NewBackend,
  type RuleRef,
  removeManagedBackends,
} from "../domain/scaling/scale-backends";
import type { Hub } from "../hub/hub";
import type { HubLogger } from "../hub/types";
import { LogThrottle } from "../log-throttle";
import { createKubernetesActuator, type KubernetesActuator, type KubernetesTarget } from "./actuators/kubernetes";
import { callScalingWebhook } from "./actuators/webhook";
import { type Measurement, type MetricSource, measure } from "./metrics";
import { type Recommendation, recommend, recordScaleEvent, splitByTrafficShare, type VersionShare } from "./recommend";

/** Advisory lock key of the scaling controller's leader. */
const SCALING_LOCK = 0x57_45_49_55;

/** What the controller needs of the hub: its live data, and the link to agents for the process actuator. */
export interface ScalingHub extends MetricSource {
  sendToAgent: Hub["sendToAgent"];
  onProcessExit: Hub["onProcessExit"];
}

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

/** A process stop waits this long for agents to run the config without the backend, then goes anyway. */
const STOP_GATE_MS = 30_000;
/** A stop its agent never confirms is forgotten after this (the agent is gone, and its children with it). */
const STOP_GIVE_UP_MS = 10 * 60_000;

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
 * Actuators:
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
  const { db, logger, hub } = options;
  const clock = options.now ?? Date.now;
  const windowSec = options.metricWindowSec ?? 10;
  const drainTimeoutMs = options.drainTimeoutMs ?? 60_000;
  const decisionEveryMs = options.decisionEveryMs ?? 10_000;
  const kubernetesEveryMs = options.kubernetesEveryMs ?? 5_000;
  const makeKubernetes = options.kubernetes ?? ((target: KubernetesTarget) => createKubernetesActuator(target));

  /** Rules with a start, a webhook call or a Kubernetes write under way: not evaluated until it ends. */
  const busy = new Set<string>();
  /** Process stops under way, by rule/agent/port. */
  const stopping = new Set<string>();
  /** When agents were first seen running each draining backend's draining config. */
  const drainAcked = new Map<string, number>();
  const kubeClients = new Map<string, { key: string; client: KubernetesActuator }>();
  const kubeLastSync = new Map<string, number>();
  const background = new Set<Promise<unknown>>();
  const warned = new LogThrottle(clock);
  /** Aborted when leadership is lost (or the controller closes): long actuator calls give up. */
  let abort: AbortSignal = AbortSignal.abort();

  const track = (promise: Promise<unknown>) => {
    const p = promise
      .catch((error: Error) => logger.warn(`scaling: ${error.message}`))
      .finally(() => background.delete(p));
    background.add(p);
  };
  /** At most one line a minute per key: a broken rule must not flood the log. */
  const warnThrottled = (key: string, message: string) => {
    if (warned.allow(key)) logger.warn(message);
  };

  // ------------------------------------------------------------------------------------------
  // One rule

  const tickRule = async (id: string) => {
    const row = await db.scalingRule.findUnique({ where: { id }, include: SCALING_RULE_INCLUDE });
    if (row === null) return;
    let spec: ScalingRuleSpec;
    try {
      spec = specOf(row);
    } catch (error) {
      warnThrottled(
        `spec:${id}`,
        `scaling rule ${row.name} (${id}) does not validate and is skipped: ${(error as Error).message}`,
      );
      return;
    }
    const now = clock();
    const ref: RuleRef = { id, name: row.name, poolId: row.poolId, poolName: row.pool.name, policies: spec.policies };
    const state = readRuleState(row.controllerState);
    await progressDrains(row, spec, ref, now);
    await progressStops(row, state, now);
    if (!spec.enabled || busy.has(id)) return;
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
    for (const b of draining) {
      const meta = managedMeta(b);
      const since = meta?.drainingSince ?? b.updatedAt.getTime();
      let ackedAt = drainAcked.get(b.id);
      if (ackedAt === undefined && meta?.drainVersion !== undefined) {
        const gate = await agentGate(db, row.pool.name, meta.drainVersion);
        if (gate.state === "reached") {
          ackedAt = now;
          drainAcked.set(b.id, now);
        }
      }
      if (ackedAt !== undefined && drainedSince(hub.poolHistory(row.pool.name), b.id, ackedAt)) idle.push(b.id);
      else if (now - since >= timeoutMs) late.push(b.id);
    }
    const stopGraceMs = spec.actuator.kind === "process" ? spec.actuator.stopGraceMs : 0;
    for (const [ids, reason] of [
      [idle, "drained: no request in flight"],
      [late, `drain timeout: still busy after ${timeoutMs} ms`],
    ] as const) {
      if (ids.length === 0) continue;
      await removeManagedBackends({ db, rule: ref, backendIds: [...ids], reason, stopGraceMs, now });
      for (const backendId of ids) drainAcked.delete(backendId);
    }
  };

  /** Stops the processes of removed backends once agents no longer route to them. */
  const progressStops = async (row: ScalingRuleRow, state: RuleState, now: number) => {
    for (const stop of state.pendingStops) {
      const key = `${row.id}/${stop.agent}/${stop.port}`;
      if (stopping.has(key)) continue;
      if (now - stop.since > STOP_GIVE_UP_MS) {
        logger.warn(`scaling rule ${row.name}: gave up stopping the process on ${stop.agent} port ${stop.port}`);
        await db.$transaction((tx) => updateRuleState(tx, row.id, (s) => dropStop(s, stop)));
        continue;
      }
      const gate = await agentGate(db, row.pool.name, stop.configVersion);
      if (gate.state !== "reached" && now - stop.since < STOP_GATE_MS) continue;
      stopping.add(key);
      track(
        hub
          .sendToAgent(
            stop.agent,
            "process:stop",
            { rule: row.id, port: stop.port, graceMs: stop.graceMs },
            stop.graceMs + 10_000,
          )
          .then(() => db.$transaction((tx) => updateRuleState(tx, row.id, (s) => dropStop(s, stop))))
          .catch((error: Error) =>
            warnThrottled(
              key,
              `scaling rule ${row.name}: could not stop the process on port ${stop.port}: ${error.message}`,
            ),
          )
          .finally(() => stopping.delete(key)),
      );
    }
  };

  const evaluate = async (row: ScalingRuleRow, spec: ScalingRuleSpec, state: RuleState, ref: RuleRef, now: number) => {
    const scoped = row.pool.backends.filter((b) => inScope(spec, b));
    const active = scoped.filter((b) => b.state === "active");
    const unmanaged = active.filter((b) => !isManagedBy(row.id, b));
    const shares = spec.actuator.kind === "kubernetes" ? null : versionShares(spec, row.pool.trafficSplit);
    const countOf = (version: string | null) =>
      active.filter((b) => version === null || b.versionLabel === version).length;

    let current: number;
    let kube: KubernetesActuator | undefined;
    let kubeReplicas = 0;
    if (spec.actuator.kind === "kubernetes") {
      const last = kubeLastSync.get(row.id);
      if (last !== undefined && now - last < kubernetesEveryMs) return;
      kubeLastSync.set(row.id, now);
      kube = kubernetesFor(row.id, spec.actuator);
      try {
        await syncEndpoints(row, spec, ref, kube, now);
        kubeReplicas = (await kube.getScale()).desired;
      } catch (error) {
        await recordFailure(row.id, now, error, { current: active.length, desired: state.desired ?? active.length });
        return;
      }
      current = unmanaged.length + kubeReplicas;
    } else if (spec.actuator.kind === "webhook") {
      current = shares
        ? shares.reduce((sum, s) => sum + (state.delivered[s.version] ?? countOf(s.version)), 0)
        : (state.delivered[""] ?? active.length);
    } else current = active.length;

    const m = measure(hub, {
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

    // What the actuator will do now.
    const starts: Array<{ version: string; count: number }> = [];
    let drain: Backend[] = [];
    let kubeTarget: number | undefined;
    const webhookCalls: Array<{ key: string; version: string | undefined; current: number; desired: number }> = [];
    let note = "";
    switch (spec.actuator.kind) {
      case "process": {
        for (const v of byVersion) {
          if (v.desired > v.current) starts.push({ version: v.version, count: v.desired - v.current });
          if (v.desired < v.current) {
            const removable = active
              .filter((b) => isManagedBy(row.id, b) && (!shares || b.versionLabel === v.version))
              .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? 1 : -1));
            drain.push(...removable.slice(0, v.current - v.desired));
            if (removable.length < v.current - v.desired)
              note = `; ${unmanaged.length} backend${unmanaged.length === 1 ? "" : "s"} added by hand stay`;
          }
        }
        // Capacity first: a rebalance across versions drains only once the new backends serve.
        if (starts.length > 0) drain = [];
        break;
      }
      case "kubernetes":
        if (rec.desired !== current) kubeTarget = Math.max(0, rec.desired - unmanaged.length);
        if (kubeTarget === kubeReplicas) kubeTarget = undefined;
        break;
      case "webhook":
        for (const v of byVersion) {
          const key = shares ? v.version : "";
          const delivered = state.delivered[key] ?? v.current;
          if (v.desired !== delivered)
            webhookCalls.push({
              key,
              version: shares ? v.version : (spec.versionLabel ?? undefined),
              current: v.current,
              desired: v.desired,
            });
        }
        break;
    }
    const acted = starts.length > 0 || drain.length > 0 || kubeTarget !== undefined || webhookCalls.length > 0;
    const signature = [rec.action, current, rec.desired, m.ready, rec.limitedBy ?? "", m.missing ? 1 : 0].join("|");
    const due =
      state.lastDecision === null ||
      state.lastDecision.signature !== signature ||
      now - state.lastDecision.at >= decisionEveryMs;
    const decision = {
      action: rec.action,
      current,
      recommended: rec.recommended ?? current,
      desired: rec.desired,
      reason: `${m.missing ? `${m.missing}; ` : ""}${rec.reason}${note}`,
      inputs: decisionInputs(spec, rec, m, byVersion, shares !== null, {
        starts,
        drain: drain.map((b) => `${b.host}:${b.port}`),
        ...(kubeTarget !== undefined ? { replicas: kubeTarget } : {}),
        ...(webhookCalls.length > 0
          ? { webhook: webhookCalls.map((c) => ({ version: c.version, desired: c.desired })) }
          : {}),
      }),
      signature,
    };
    await saveEvaluation({
      db,
      ruleId: row.id,
      now,
      state: (s) => ({ ...s, history: rec.history, desired: rec.desired }),
      ...(acted || due ? { decision } : {}),
    });

    if (drain.length > 0) {
      await drainManagedBackends({
        db,
        rule: ref,
        backendIds: drain.map((b) => b.id),
        event: { from: current, to: current - drain.length },
        reason: rec.reason,
        now,
      });
    }
    if (starts.length > 0 && spec.actuator.kind === "process") {
      const actuator = spec.actuator;
      runBusy(row.id, startProcesses(row, ref, actuator, starts, current, weightFor(active)));
    }
    if (kube !== undefined && kubeTarget !== undefined) {
      const target = kubeTarget;
      const client = kube;
      runBusy(
        row.id,
        (async () => {
          try {
            await client.setReplicas(target);
          } catch (error) {
            await recordFailure(row.id, clock(), error, decision);
            return;
          }
          await recordEvent(row.id, spec, { from: current, to: unmanaged.length + target }, clock());
        })(),
      );
    }
    if (webhookCalls.length > 0 && spec.actuator.kind === "webhook") {
      const actuator = spec.actuator;
      runBusy(row.id, deliverWebhooks(row, spec, actuator, webhookCalls, rec.reason, decision));
    }
  };

  const runBusy = (ruleId: string, operation: Promise<void>) => {
    busy.add(ruleId);
    track(operation.finally(() => busy.delete(ruleId)));
  };

  // ------------------------------------------------------------------------------------------
  // Actuators

  const startProcesses = async (
    row: ScalingRuleRow,
    ref: RuleRef,
    actuator: ProcessActuatorConfig,
    starts: Array<{ version: string; count: number }>,
    current: number,
    weight: number,
  ) => {
    const started: NewBackend[] = [];
    const failures: string[] = [];
    let agentError: unknown;
    let running: number[] = [];
    for (const s of starts) {
      try {
        const reply = await hub.sendToAgent(
          actuator.agent,
          "process:start",
          {
            rule: row.id,
            commandTemplate: actuator.commandTemplate,
            portRange: actuator.portRange,
            host: actuator.host,
            version: s.version,
            count: s.count,
            startupTimeoutMs: actuator.startupTimeoutMs,
            stopGraceMs: actuator.stopGraceMs,
          },
          actuator.startupTimeoutMs + 10_000,
        );
        if (reply.error) failures.push(reply.error.message);
        for (const f of reply.failed)
          failures.push(`${f.message}${f.stderr.length > 0 ? ` (stderr: ${f.stderr.slice(-5).join(" | ")})` : ""}`);
        for (const p of reply.started)
          started.push({
            host: p.host,
            port: p.port,
            versionLabel: p.version,
            weight,
            origin: "autoscaler",
            metadata: { rule: row.id, actuator: "process", agent: actuator.agent, port: p.port, pid: p.pid },
          });
        running = reply.running.filter((p) => p.state === "running").map((p) => p.port);
      } catch (error) {
        agentError = error;
        break;
      }
    }
    const now = clock();
    if (started.length > 0) {
      const outcome = await addManagedBackends({
        db,
        rule: ref,
        backends: started,
        action: "scaling.scale_up",
        event: { from: current, to: current + started.length },
        now,
        state: (s) => (failures.length === 0 && agentError === undefined ? { ...s, lastError: null } : s),
      });
      // Started but not added (the rule is gone, or the address is taken): nobody routes there.
      const unused = outcome === undefined ? started : outcome.skipped;
      for (const b of unused) stopLater(row.id, actuator.agent, b.port, actuator.stopGraceMs);
    }
    if (agentError !== undefined || failures.length > 0) {
      await recordFailure(
        row.id,
        now,
        agentError ?? { code: "WEIR_E_BACKEND_START_FAILED", message: failures.join("; ") },
        {
          current: current + started.length,
          desired: current + starts.reduce((sum, s) => sum + s.count, 0),
        },
      );
    }
    // Processes the agent runs for this rule that are no backend (a start whose answer was lost
    // to a restart): stop them, so their ports come back.
    if (running.length > 0) {
      const rows = await db.backend.findMany({ where: { poolId: row.poolId } });
      const state = await db.scalingRule.findUnique({ where: { id: row.id }, select: { controllerState: true } });
      const known = new Set([
        ...rows.filter((b) => managedMeta(b)?.agent === actuator.agent).map((b) => managedMeta(b)?.port ?? b.port),
        ...readRuleState(state?.controllerState).pendingStops.map((p) => p.port),
        ...started.map((b) => b.port),
      ]);
      for (const port of running) if (!known.has(port)) stopLater(row.id, actuator.agent, port, actuator.stopGraceMs);
    }
  };

  /** Stops a process nobody routes to, now, in the background. */
  const stopLater = (ruleId: string, agent: string, port: number, graceMs: number) => {
    const key = `${ruleId}/${agent}/${port}`;
    if (stopping.has(key)) return;
    stopping.add(key);
    track(
      hub
        .sendToAgent(agent, "process:stop", { rule: ruleId, port, graceMs }, graceMs + 10_000)
        .finally(() => stopping.delete(key)),
    );
  };

  const deliverWebhooks = async (
    row: ScalingRuleRow,
    spec: ScalingRuleSpec,
    actuator: WebhookActuatorConfig,
    calls: Array<{ key: string; version: string | undefined; current: number; desired: number }>,
    reason: string,
    decision: Pick<DecisionRecord, "current" | "desired">,
  ) => {
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
        signal: abort,
      });
      const now = clock();
      if (!result.ok) {
        await recordFailure(
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
      const state = readRuleState(
        (await db.scalingRule.findUnique({ where: { id: row.id }, select: { controllerState: true } }))
          ?.controllerState,
      );
      const from = state.delivered[call.key] ?? call.current;
      await db.$transaction((tx) =>
        updateRuleState(
          tx,
          row.id,
          (s) => ({
            ...s,
            lastError: null,
            delivered: { ...s.delivered, [call.key]: call.desired },
            events: recordScaleEvent(s.events, { at: now, from, to: call.desired }, spec.policies),
          }),
          { lastScaleAt: new Date(now) },
        ),
      );
    }
  };

  const kubernetesFor = (ruleId: string, config: KubernetesActuatorConfig): KubernetesActuator => {
    const { kind: _kind, ...target } = config;
    const key = JSON.stringify(target);
    const cached = kubeClients.get(ruleId);
    if (cached?.key === key) return cached.client;
    const client = makeKubernetes(target);
    kubeClients.set(ruleId, { key, client });
    return client;
  };

  /** The pool follows the Deployment's ready endpoints: new ones added, vanished ones drained. */
  const syncEndpoints = async (
    row: ScalingRuleRow,
    spec: ScalingRuleSpec,
    ref: RuleRef,
    kube: KubernetesActuator,
    now: number,
  ) => {
    const { port, endpoints } = await kube.discoverEndpoints();
    const want = new Set(endpoints.map((e) => `${e.address}:${port}`));
    const mine = row.pool.backends.filter((b) => isManagedBy(row.id, b));
    const have = new Set(mine.map((b) => `${b.host}:${b.port}`));
    const scoped = row.pool.backends.filter((b) => inScope(spec, b) && b.state === "active");
    const version = defaultVersion(spec, scoped);
    const add: NewBackend[] = endpoints
      .filter((e) => !have.has(`${e.address}:${port}`))
      .map((e) => ({
        host: e.address,
        port,
        versionLabel: version,
        weight: weightFor(scoped),
        origin: "discovery" as const,
        metadata: {
          rule: row.id,
          actuator: "kubernetes" as const,
          ...(e.podName ? { pod: e.podName } : {}),
          ...(e.zone ? { zone: e.zone } : {}),
        },
      }));
    if (add.length > 0) await addManagedBackends({ db, rule: ref, backends: add, action: "scaling.discover", now });
    const gone = mine.filter((b) => b.state === "active" && !want.has(`${b.host}:${b.port}`));
    if (gone.length > 0)
      await drainManagedBackends({
        db,
        rule: ref,
        backendIds: gone.map((b) => b.id),
        reason: "no longer a ready endpoint of the Deployment",
        now,
      });
  };

  const recordEvent = async (
    ruleId: string,
    spec: ScalingRuleSpec,
    change: { from: number; to: number },
    now: number,
  ) => {
    await db.$transaction((tx) =>
      updateRuleState(
        tx,
        ruleId,
        (s) => ({ ...s, lastError: null, events: recordScaleEvent(s.events, { at: now, ...change }, spec.policies) }),
        { lastScaleAt: new Date(now) },
      ),
    );
  };

  /** An actuator's failure: a decision with action `error` whose reason starts with the code, and the rule's lastError. */
  const recordFailure = async (
    ruleId: string,
    now: number,
    error: unknown,
    counts: { current: number; desired: number },
  ) => {
    const e = error as { code?: string; message?: string };
    const code = typeof e?.code === "string" && e.code.startsWith("WEIR_E_") ? e.code : "WEIR_E_INTERNAL";
    const message = (e?.message ?? String(error)).slice(0, 2000);
    warnThrottled(`fail:${ruleId}:${code}`, `scaling rule ${ruleId}: ${code}: ${message}`);
    await saveEvaluation({
      db,
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
      unlessRepeatedWithinMs: decisionEveryMs,
    });
  };

  // A process that exits on its own leaves the pool at once; the next evaluation replaces it.
  const unsubscribe = hub.onProcessExit((agent, exit) => {
    track(
      (async () => {
        const rows = await db.backend.findMany({
          where: { origin: "autoscaler", metadata: { path: ["rule"], equals: exit.rule } },
        });
        const gone = rows.find((b) => {
          const meta = managedMeta(b);
          return meta?.agent === agent.name && (meta.port ?? b.port) === exit.port;
        });
        if (gone === undefined) return;
        const rule = await db.scalingRule.findUnique({ where: { id: exit.rule }, include: SCALING_RULE_INCLUDE });
        if (rule === null) return;
        const spec = specOf(rule);
        const how = exit.signal ? `signal ${exit.signal}` : `code ${exit.exitCode}`;
        const now = clock();
        await removeManagedBackends({
          db,
          rule: {
            id: rule.id,
            name: rule.name,
            poolId: rule.poolId,
            poolName: rule.pool.name,
            policies: spec.policies,
          },
          backendIds: [gone.id],
          reason: `its process exited on its own (${how})`,
          stopGraceMs: 0,
          now,
        });
        const tail = exit.stderr.slice(-5).join(" | ");
        await recordFailure(
          rule.id,
          now,
          {
            code: "WEIR_E_BACKEND_EXITED",
            message: `the backend ${gone.host}:${gone.port} on agent ${agent.name} exited on its own (${how}) and left the pool${tail ? `; stderr: ${tail}` : ""}`,
          },
          { current: 0, desired: readRuleState(rule.controllerState).desired ?? 0 },
        );
      })(),
    );
  });

  // ------------------------------------------------------------------------------------------
  // The loop, on the leader only

  const loop = async () => {
    const rows = await db.scalingRule.findMany({
      select: { id: true },
      orderBy: [{ createdAt: "asc" }, { id: "asc" }],
    });
    for (const { id } of rows) {
      try {
        await tickRule(id);
      } catch (error) {
        warnThrottled(`tick:${id}`, `scaling rule ${id}: ${(error as Error).message}`);
      }
    }
  };

  const leader: LeaderLoop = runWhileLeader({
    url: options.databaseUrl,
    key: SCALING_LOCK,
    everyMs: options.tickMs ?? 1000,
    work: (signal) => {
      abort = signal;
      return loop();
    },
    onElected: () => {
      logger.info("this control plane drives the scaling rules (leader)");
      drainAcked.clear();
      kubeLastSync.clear();
    },
    onDemoted: () => logger.warn("no longer the scaling leader; another replica takes over"),
    onError: (error) => logger.warn(`scaling controller: ${error.message}`),
  });

  return {
    isLeader: () => leader.isLeader(),
    async close() {
      unsubscribe();
      await leader.close();
      await Promise.all([...background]);
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

/**
 * During a rollout (the pool has a traffic split), a whole-pool rule's count is split across the
 * stable and canary versions by their traffic share. Null when there is no split or the rule is
 * scoped to one version.
 */
function versionShares(spec: ScalingRuleSpec, trafficSplit: unknown): VersionShare[] | null {
  if (spec.versionLabel !== null || trafficSplit === null) return null;
  const split = trafficSplitSchema.safeParse(trafficSplit);
  if (!split.success || split.data.stableVersion === split.data.canaryVersion) return null;
  return [
    { version: split.data.stableVersion, share: 100 - split.data.canaryPercent },
    { version: split.data.canaryVersion, share: split.data.canaryPercent },
  ];
}

/** The version new backends get: the rule's, the actuator's, else the one most backends in scope have. */
function defaultVersion(spec: ScalingRuleSpec, active: readonly Backend[]): string {
  if (spec.versionLabel !== null) return spec.versionLabel;
  if (spec.actuator.kind === "process" && spec.actuator.versionLabel !== undefined) return spec.actuator.versionLabel;
  const counts = new Map<string, number>();
  for (const b of active) counts.set(b.versionLabel, (counts.get(b.versionLabel) ?? 0) + 1);
  let best: string | undefined;
  for (const [label, n] of counts) if (best === undefined || n > (counts.get(best) ?? 0)) best = label;
  return best ?? "v1";
}

/** New backends weigh what the scope's backends weigh (the largest weight), 100 in an empty scope. */
function weightFor(active: readonly Backend[]): number {
  return active.reduce((max, b) => Math.max(max, b.weight), 0) || 100;
}

function dropStop(state: RuleState, stop: PendingStop): RuleState {
  return {
    ...state,
    pendingStops: state.pendingStops.filter((p) => !(p.agent === stop.agent && p.port === stop.port)),
  };
}

function decisionInputs(
  spec: ScalingRuleSpec,
  rec: Recommendation,
  m: Measurement,
  byVersion: Array<{ version: string; share: number | null; current: number; desired: number }>,
  split: boolean,
  plan: Record<string, unknown>,
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
    plan,
  };
}
