import { type Db, type LeaderLoop, runWhileLeader } from "@weir/db";
import { agentGate } from "../domain/rollouts/agent-gate";
import { type Analyst, applyRolloutEvent } from "../domain/rollouts/apply-rollout-event";
import { specOf } from "../domain/rollouts/rollout-row";
import type { VersionWindow } from "../hub/telemetry-aggregator";
import type { HubLogger } from "../hub/types";
import { analyze } from "./analyze";

/** Advisory lock key of the rollout controller's leader. */
const ROLLOUT_LOCK = 0x57_45_49_54;

export interface RolloutControllerOptions {
  db: Db;
  databaseUrl: string;
  logger: HubLogger;
  /** A version's traffic in a pool over [from, to): the hub's live per-second data. */
  windows: (pool: string, version: string, fromMs: number, toMs: number) => VersionWindow;
  /** Unix ms up to which that data is complete. */
  liveUntil: () => number;
  tickMs?: number;
  now?: () => number;
}

export interface RolloutController {
  isLeader(): boolean;
  close(): Promise<void>;
}

/**
 * Drives every running rollout once a second, on one control-plane replica at a time (a Postgres
 * advisory lock elects it; another replica takes over when it dies). Its state is the rollout rows,
 * so a restart picks each rollout up at the step it was at. Each tick, per rollout: if its current
 * routing is not yet confirmed, ask the agents table whether every agent serving the pool runs the
 * config version that carried it (→ `agentsAcked`), or refused it (→ `agentNack`); then feed
 * `tick`, answering the analyses it asks for from the agents' live per-second telemetry. Operator
 * commands go through the API, not here: both take the rollout's row lock.
 */
export function startRolloutController(options: RolloutControllerOptions): RolloutController {
  const { db, logger } = options;
  const now = options.now ?? Date.now;
  const lastChecks = new Map<string, number | null>();
  const reportedNacks = new Set<string>();

  const analyst: Analyst = (request, row) => {
    const spec = specOf(row);
    const pool = row.pool.name;
    // Agents report each second once it is over, so the newest ~1.25 s are never complete. A
    // step's fixed window is judged once all of it is in; a sliding window ("the last 30 s") is
    // read as the last 30 s that are complete.
    const until = options.liveUntil();
    let { from, to } = request;
    if (to > until) {
      if (request.kind === "step") return undefined;
      from -= to - until;
      to = until;
    }
    const stable = options.windows(pool, spec.stableVersion, from, to);
    const canary = options.windows(pool, spec.newVersion, from, to);
    const result = analyze({
      stable,
      canary,
      thresholds: spec.analysis,
      labels: { stable: spec.stableVersion, canary: spec.newVersion },
    });
    const summary = (w: VersionWindow) => ({
      requests: w.requests,
      successes: w.successes,
      s5xx: w.s5xx,
      errors: w.errors,
    });
    return {
      verdict: result.verdict,
      reason: result.reason,
      metrics: { checks: result.checks, stable: summary(stable), canary: summary(canary) },
    };
  };

  const tickOne = async (id: string) => {
    const row = await db.rollout.findUnique({ where: { id }, include: { pool: { select: { name: true } } } });
    if (row === null || (row.status !== "progressing" && row.status !== "paused")) {
      lastChecks.delete(id);
      return;
    }
    if (row.stepStartedAt === null && row.routingConfigVersion !== null) {
      const gate = await agentGate(db, row.pool.name, row.routingConfigVersion);
      if (gate.state === "reached") {
        await applyRolloutEvent({
          db,
          rolloutId: id,
          event: { type: "agentsAcked", weight: row.currentWeight },
          actor: "system",
          now: now(),
        });
      } else if (gate.state === "refused") {
        const key = `${id}/${row.routingConfigVersion}/${gate.agent}`;
        if (!reportedNacks.has(key)) {
          reportedNacks.add(key);
          await applyRolloutEvent({
            db,
            rolloutId: id,
            event: { type: "agentNack", agent: gate.agent, reason: gate.reason },
            actor: "system",
            now: now(),
          });
        }
      }
    }
    const result = await applyRolloutEvent({
      db,
      rolloutId: id,
      event: { type: "tick" },
      actor: "system",
      now: now(),
      lastCheckAt: lastChecks.get(id) ?? null,
      analyst,
    });
    lastChecks.set(id, result.state.lastCheckAt);
  };

  const loop = async () => {
    const rows = await db.rollout.findMany({
      where: { status: { in: ["progressing", "paused"] } },
      select: { id: true },
      orderBy: { createdAt: "asc" },
    });
    for (const { id } of rows) {
      try {
        await tickOne(id);
      } catch (error) {
        logger.warn(`rollout ${id}: ${(error as Error).message}`);
      }
    }
  };

  const leader: LeaderLoop = runWhileLeader({
    url: options.databaseUrl,
    key: ROLLOUT_LOCK,
    everyMs: options.tickMs ?? 1000,
    work: loop,
    onElected: () => logger.info("this control plane drives the rollouts (leader)"),
    onDemoted: () => logger.warn("no longer the rollout leader; another replica takes over"),
    onError: (error) => logger.warn(`rollout controller: ${error.message}`),
  });

  return { isLeader: () => leader.isLeader(), close: () => leader.close() };
}
