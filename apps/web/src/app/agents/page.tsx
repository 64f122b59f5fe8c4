"use client";

import { useQuery } from "@tanstack/react-query";
import { QueryState } from "@/components/query-state";
import { useTRPC } from "@/lib/trpc";

export default function AgentsPage() {
  const trpc = useTRPC();
  const agents = useQuery(trpc.agents.list.queryOptions(undefined, { refetchInterval: 5000 }));
  const latest = useQuery(trpc.versions.list.queryOptions({ limit: 1 }, { refetchInterval: 5000 }));
  const latestVersion = latest.data?.items[0]?.number;
  return (
    <section aria-labelledby="agents-heading">
      <h1 id="agents-heading">Agents</h1>
      <QueryState query={agents} loading="Loading agents…" />
      {agents.data?.length === 0 && (
        <p className="muted">
          No agent has joined yet. Create an enrollment token in Settings; it shows the <code>weir-agent</code> command
          to run.
        </p>
      )}
      {agents.data && agents.data.length > 0 && (
        <table className="table" aria-label="Agents">
          <thead>
            <tr>
              <th scope="col">Agent</th>
              <th scope="col">Labels</th>
              <th scope="col">Address</th>
              <th scope="col">Software</th>
              <th scope="col">Config version</th>
              <th scope="col">Last seen</th>
            </tr>
          </thead>
          <tbody>
            {agents.data.map((agent) => (
              <tr key={agent.id}>
                <td>
                  <span className={agent.connected ? "ok" : "muted"}>●</span> {agent.name}
                </td>
                <td className="small">
                  {Object.entries(agent.labels)
                    .map(([key, value]) => `${key}=${value}`)
                    .join(", ")}
                </td>
                <td className="muted">{agent.address}</td>
                <td className="muted small">{agent.softwareVersion}</td>
                <td>
                  {agent.appliedConfigVersion ?? "none"}
                  {latestVersion !== undefined &&
                    agent.appliedConfigVersion !== null &&
                    agent.appliedConfigVersion < latestVersion && (
                      <span className="muted small"> ({latestVersion - agent.appliedConfigVersion} behind)</span>
                    )}
                  {agent.listenerFailures.map((failure) => (
                    <div key={failure.name} className="error small">
                      applied in part: listener {failure.name} not bound ({failure.reason})
                      {failure.servingOn ? `, still serving on ${failure.servingOn}` : ""}; retrying
                    </div>
                  ))}
                  {agent.lastError && (
                    <div className="error small">
                      rejected {agent.rejectedConfigVersion}: {agent.lastError}
                    </div>
                  )}
                </td>
                <td className="muted small">
                  {agent.lastSeenAt ? new Date(agent.lastSeenAt).toLocaleString() : "never"}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
