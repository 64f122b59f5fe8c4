import type { Db } from "@weir/db";
import { listenerFailuresOf } from "./listener-failures";

export async function listAgents({ db }: { db: Db }) {
  const agents = await db.agent.findMany({ orderBy: { name: "asc" } });
  return agents.map((agent) => ({
    id: agent.id,
    name: agent.name,
    labels: agent.labels as Record<string, string>,
    softwareVersion: agent.softwareVersion,
    protocolVersion: agent.protocolVersion,
    address: agent.address,
    connected: agent.connected,
    appliedConfigVersion: agent.appliedConfigVersion,
    listenerFailures: listenerFailuresOf(agent.listenerFailures),
    rejectedConfigVersion: agent.rejectedConfigVersion,
    lastError: agent.lastError,
    lastSeenAt: agent.lastSeenAt?.toISOString() ?? null,
    firstSeenAt: agent.firstSeenAt.toISOString(),
  }));
}
