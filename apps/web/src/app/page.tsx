"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { CreatePool } from "@/components/create-pool";
import { DemoTraffic } from "@/components/demo-traffic";
import { QueryState } from "@/components/query-state";
import { useLive } from "@/lib/live";
import { formatMs, formatPercent, formatRate } from "@/lib/points";
import { useSession } from "@/lib/session";
import { useTRPC } from "@/lib/trpc";

export default function OverviewPage() {
  const trpc = useTRPC();
  const { overview, connected } = useLive();
  const pools = useQuery(trpc.pools.list.queryOptions(undefined, { refetchInterval: 30_000 }));
  const versions = useQuery(trpc.versions.list.queryOptions({ limit: 5 }, { refetchInterval: 30_000 }));
  const livePools = new Map((overview?.pools ?? []).map((p) => [p.name, p]));
  const agents = overview?.agents;
  const { canEdit } = useSession();

  return (
    <section aria-labelledby="pools-heading">
      <div className="cards">
        <div className="card">
          <div className="muted small">Agents online</div>
          <div className="big" data-testid="agents-online">
            {agents ? `${agents.online} / ${agents.total}` : "–"}
          </div>
        </div>
        <div className="card">
          <div className="muted small">On the latest config</div>
          <div className="big">
            {agents ? `${agents.onLatest} / ${agents.online}` : "–"}
            {agents?.latestVersion !== null && agents?.latestVersion !== undefined && (
              <span className="muted small"> v{agents.latestVersion}</span>
            )}
          </div>
        </div>
        <DemoTraffic canEdit={canEdit} />
        <div className="card">
          <div className="muted small">Live data</div>
          <div className={`big ${connected ? "ok" : "error"}`}>{connected ? "connected" : "reconnecting…"}</div>
        </div>
      </div>

      <div className="toolbar">
        <h1 id="pools-heading">Pools</h1>
        {canEdit && <CreatePool />}
      </div>
      <QueryState query={pools} loading="Loading pools…" failedPrefix="Could not load pools: " />
      {pools.data?.length === 0 && <p className="muted">No pools yet.</p>}
      {pools.data && pools.data.length > 0 && (
        <div className="table-wrap">
          <table className="table">
            <thead>
              <tr>
                <th scope="col">Pool</th>
                <th scope="col">Health</th>
                <th scope="col" className="num">
                  Req/s
                </th>
                <th scope="col" className="num">
                  Errors
                </th>
                <th scope="col" className="num">
                  p95
                </th>
                <th scope="col">Backends</th>
                <th scope="col">Versions</th>
              </tr>
            </thead>
            <tbody>
              {pools.data.map((pool) => {
                const live = livePools.get(pool.name);
                const healthClass =
                  live === undefined || live.total === 0
                    ? "muted"
                    : live.healthy === live.total
                      ? "ok"
                      : live.healthy === 0
                        ? "error"
                        : "warn";
                return (
                  <tr key={pool.id} data-testid={`pool-${pool.name}`}>
                    <td>
                      <Link href={`/pools/${pool.name}`}>
                        <strong>{pool.name}</strong>
                      </Link>
                      <div className="muted small">{pool.algorithm.replaceAll("_", " ")}</div>
                    </td>
                    <td className={healthClass} data-testid="pool-health">
                      {live ? `${live.healthy}/${live.total} healthy` : "no agent reports"}
                    </td>
                    <td className="num">{formatRate(live?.point.rps)}</td>
                    <td className="num">{formatPercent(live ? live.point.errorRate * 100 : undefined)}</td>
                    <td className="num">{formatMs(live?.point.p95Ms)}</td>
                    <td>
                      {pool.backends.active} active / {pool.backends.total}
                      {pool.backends.draining > 0 && `, ${pool.backends.draining} draining`}
                      {pool.backends.disabled > 0 && `, ${pool.backends.disabled} disabled`}
                    </td>
                    <td>{pool.versions.join(", ")}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}

      <h2 className="small">Recent changes</h2>
      {versions.data && versions.data.items.length === 0 && <p className="muted small">No changes yet.</p>}
      {versions.data && versions.data.items.length > 0 && (
        <ol className="events" aria-label="Recent changes">
          {versions.data.items.map((v) => (
            <li key={v.number} className="small">
              <Link href={`/history?version=${v.number}`}>v{v.number}</Link> {v.summary}{" "}
              <span className="muted">
                {v.createdBy ?? "system"}, {new Date(v.createdAt).toLocaleString()}
              </span>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
