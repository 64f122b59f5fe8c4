"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { QueryState } from "@/components/query-state";
import { useTRPC } from "@/lib/trpc";

export default function RolloutsPage() {
  const trpc = useTRPC();
  const rollouts = useQuery(trpc.rollouts.list.queryOptions({}, { refetchInterval: 10_000 }));
  return (
    <section aria-labelledby="rollouts-heading">
      <h1 id="rollouts-heading">Rollouts</h1>
      <QueryState query={rollouts} loading="Loading rollouts…" />
      {rollouts.data?.length === 0 && (
        <p className="muted">No rollout yet. Start one from a pool's page (it needs backends of two versions).</p>
      )}
      {rollouts.data && rollouts.data.length > 0 && (
        <div className="table-wrap">
          <table className="table" aria-label="Rollouts">
            <thead>
              <tr>
                <th scope="col">Pool</th>
                <th scope="col">Versions</th>
                <th scope="col">Strategy</th>
                <th scope="col">Status</th>
                <th scope="col" className="num">
                  Weight
                </th>
                <th scope="col">Started</th>
              </tr>
            </thead>
            <tbody>
              {rollouts.data.map((r) => (
                <tr key={r.id}>
                  <td>
                    <Link href={`/rollouts/${r.id}`}>{r.pool}</Link>
                  </td>
                  <td>
                    {r.stableVersion} → {r.newVersion}
                  </td>
                  <td>{r.strategy.replace("_", "-")}</td>
                  <td className={`status-${r.status}`}>{r.status.replace("_", " ")}</td>
                  <td className="num">{r.currentWeight}%</td>
                  <td className="muted small">
                    {r.startedAt ? new Date(r.startedAt).toLocaleString() : "not started"}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
