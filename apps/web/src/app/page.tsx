"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useTRPC } from "@/lib/trpc";

export default function PoolsPage() {
  const trpc = useTRPC();
  const pools = useQuery(trpc.pools.list.queryOptions(undefined, { refetchInterval: 5000 }));

  return (
    <section aria-labelledby="pools-heading">
      <h1 id="pools-heading">Pools</h1>
      {pools.isPending && <p className="muted">Loading pools…</p>}
      {pools.isError && (
        <p role="alert" className="error">
          Could not load pools: {pools.error.message}
        </p>
      )}
      {pools.data?.length === 0 && <p className="muted">No pools yet.</p>}
      {pools.data && pools.data.length > 0 && (
        <table className="table">
          <thead>
            <tr>
              <th scope="col">Pool</th>
              <th scope="col">Algorithm</th>
              <th scope="col">Backends</th>
              <th scope="col">Versions</th>
            </tr>
          </thead>
          <tbody>
            {pools.data.map((pool) => (
              <tr key={pool.id} data-testid={`pool-${pool.name}`}>
                <td>
                  <Link href={`/pools/${pool.name}`}>
                    <strong>{pool.name}</strong>
                  </Link>
                  {pool.description && <div className="muted small">{pool.description}</div>}
                </td>
                <td>{pool.algorithm.replaceAll("_", " ")}</td>
                <td>
                  {pool.backends.active} active / {pool.backends.total}
                  {pool.backends.draining > 0 && `, ${pool.backends.draining} draining`}
                  {pool.backends.disabled > 0 && `, ${pool.backends.disabled} disabled`}
                </td>
                <td>{pool.versions.join(", ")}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
