import type { Db } from "@weir/db";
import { poolsIn, type StoredSnapshot, selectConfigFor } from "../../hub/select-config";

export type GateResult =
  | { state: "reached"; agents: number }
  | { state: "waiting"; pending: string[] }
  | { state: "refused"; agent: string; reason: string };

/**
 * Has every agent serving `pool` applied config `version` (or a later one)? Read from the agents
 * table, which every control-plane replica's hub keeps current, so the answer covers agents on
 * all replicas. An agent serves the pool when the listeners its labels select use it. A refusal of
 * that version (or a later one not superseded by an ack) is returned with the agent's reason.
 */
export async function agentGate(db: Db, pool: string, version: number): Promise<GateResult> {
  const latest = await db.configVersion.findFirst({ orderBy: { number: "desc" }, select: { snapshot: true } });
  if (latest === null) return { state: "reached", agents: 0 };
  const snapshot = latest.snapshot as unknown as StoredSnapshot;
  const agents = await db.agent.findMany({
    where: { connected: true },
    select: { name: true, labels: true, appliedConfigVersion: true, rejectedConfigVersion: true, lastError: true },
  });
  const serving = agents.filter((a) =>
    poolsIn(selectConfigFor(snapshot, (a.labels ?? {}) as Record<string, string>)).includes(pool),
  );
  for (const a of serving) {
    const applied = a.appliedConfigVersion ?? -1;
    if (applied < version && (a.rejectedConfigVersion ?? -1) >= version)
      return { state: "refused", agent: a.name, reason: a.lastError ?? "refused the config" };
  }
  const pending = serving.filter((a) => (a.appliedConfigVersion ?? -1) < version).map((a) => a.name);
  return pending.length === 0 ? { state: "reached", agents: serving.length } : { state: "waiting", pending };
}
