import type { ProcessActuatorConfig } from "@weir/config/api";
import { agentGate } from "../domain/rollouts/agent-gate";
import { SCALING_RULE_INCLUDE, type ScalingRuleRow, specOf } from "../domain/scaling/rule-row";
import {
  managedMeta,
  type PendingStop,
  type RuleState,
  readRuleState,
  updateRuleState,
} from "../domain/scaling/rule-state";
import {
  addManagedBackends,
  type NewBackend,
  type RuleRef,
  removeManagedBackends,
} from "../domain/scaling/scale-backends";
import type { ScalingRuntime } from "./runtime";

/** A process stop waits this long for agents to run the config without the backend, then goes anyway. */
const STOP_GATE_MS = 30_000;
/** A stop its agent never confirms is forgotten after this (the agent is gone, and its children with it). */
const STOP_GIVE_UP_MS = 10 * 60_000;

/**
 * The process actuator's side in the control plane: the rule's agent starts processes
 * (`process:start` over the agent link) and each one that accepts connections joins the pool
 * (origin autoscaler); a removed backend's process is stopped once agents run the config without
 * it; a process that exits on its own leaves the pool at once. Draining itself is the
 * controller's, as for every actuator.
 */
export class ProcessDriver {
  /** Process stops under way, by rule/agent/port. */
  private readonly stopping = new Set<string>();

  constructor(private readonly rt: ScalingRuntime) {}

  /** Starts `starts` processes on the rule's agent and adds those that came up to the pool. */
  async start(
    row: ScalingRuleRow,
    ref: RuleRef,
    actuator: ProcessActuatorConfig,
    starts: Array<{ version: string; count: number }>,
    current: number,
    weight: number,
  ): Promise<void> {
    const { db, hub } = this.rt;
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
    const now = this.rt.clock();
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
      for (const b of unused) this.stopNow(row.id, actuator.agent, b.port, actuator.stopGraceMs);
    }
    if (agentError !== undefined || failures.length > 0) {
      await this.rt.recordFailure(
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
      for (const port of running)
        if (!known.has(port)) this.stopNow(row.id, actuator.agent, port, actuator.stopGraceMs);
    }
  }

  /** Stops the processes of removed backends once agents no longer route to them. */
  async progressStops(row: ScalingRuleRow, state: RuleState, now: number): Promise<void> {
    const { db, hub, logger } = this.rt;
    for (const stop of state.pendingStops) {
      const key = `${row.id}/${stop.agent}/${stop.port}`;
      if (this.stopping.has(key)) continue;
      if (now - stop.since > STOP_GIVE_UP_MS) {
        logger.warn(`scaling rule ${row.name}: gave up stopping the process on ${stop.agent} port ${stop.port}`);
        await db.$transaction((tx) => updateRuleState(tx, row.id, (s) => dropStop(s, stop)));
        continue;
      }
      const gate = await agentGate(db, row.pool.name, stop.configVersion);
      if (gate.state !== "reached" && now - stop.since < STOP_GATE_MS) continue;
      this.stopping.add(key);
      this.rt.track(
        hub
          .sendToAgent(
            stop.agent,
            "process:stop",
            { rule: row.id, port: stop.port, graceMs: stop.graceMs },
            stop.graceMs + 10_000,
          )
          .then(() => db.$transaction((tx) => updateRuleState(tx, row.id, (s) => dropStop(s, stop))))
          .catch((error: Error) =>
            this.rt.warnThrottled(
              key,
              `scaling rule ${row.name}: could not stop the process on port ${stop.port}: ${error.message}`,
            ),
          )
          .finally(() => this.stopping.delete(key)),
      );
    }
  }

  /** A process that exits on its own leaves the pool at once; the next evaluation replaces it. Returns the unsubscribe. */
  watchExits(): () => void {
    const { db, hub } = this.rt;
    return hub.onProcessExit((agent, exit) => {
      this.rt.track(
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
          const now = this.rt.clock();
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
          await this.rt.recordFailure(
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
  }

  /** Stops a process nobody routes to, now, in the background. */
  private stopNow(ruleId: string, agent: string, port: number, graceMs: number): void {
    const key = `${ruleId}/${agent}/${port}`;
    if (this.stopping.has(key)) return;
    this.stopping.add(key);
    this.rt.track(
      this.rt.hub
        .sendToAgent(agent, "process:stop", { rule: ruleId, port, graceMs }, graceMs + 10_000)
        .finally(() => this.stopping.delete(key)),
    );
  }
}

function dropStop(state: RuleState, stop: PendingStop): RuleState {
  return {
    ...state,
    pendingStops: state.pendingStops.filter((p) => !(p.agent === stop.agent && p.port === stop.port)),
  };
}
