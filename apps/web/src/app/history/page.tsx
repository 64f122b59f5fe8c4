"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useSearchParams } from "next/navigation";
import { Suspense, useState } from "react";
import { AuditLog } from "@/components/audit-log";
import { QueryState } from "@/components/query-state";
import { refetchAfterChange } from "@/lib/refresh";
import { useSession } from "@/lib/session";
import { useTRPC } from "@/lib/trpc";

export default function HistoryPage() {
  return (
    <Suspense fallback={<p className="muted">Loading history…</p>}>
      <History />
    </Suspense>
  );
}

function History() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { canEdit } = useSession();
  const params = useSearchParams();
  const versions = useQuery(trpc.versions.list.queryOptions({ limit: 50 }, { refetchInterval: 30_000 }));
  const linked = Number(params.get("version"));
  const [selected, setSelected] = useState<number | null>(Number.isInteger(linked) && linked > 0 ? linked : null);
  // The version the selected one is compared with: the one before it unless the operator picks another.
  const [base, setBase] = useState<number | null>(null);
  const latest = versions.data?.items[0]?.number;
  const current = selected ?? latest;
  const from = base ?? Math.max(1, (current ?? 1) - 1);
  const diff = useQuery({
    ...trpc.versions.diff.queryOptions({ from, to: current ?? 1 }),
    enabled: current !== undefined && (current > 1 || base !== null),
  });
  const [notice, setNotice] = useState<string | null>(null);
  const revert = useMutation(
    trpc.versions.revert.mutationOptions({
      onSuccess: (result) => {
        setNotice(`Reverted to version ${result.item.revertedTo}; the config is now version ${result.configVersion}.`);
        void refetchAfterChange(queryClient, { queryKey: trpc.versions.list.queryKey() });
      },
      onError: (error) => setNotice(error.message),
    }),
  );

  return (
    <section aria-labelledby="history-heading">
      <h1 id="history-heading">History</h1>
      {notice && <p role="status">{notice}</p>}
      <QueryState query={versions} loading="Loading history…" />
      <div className="split">
        <table className="table" aria-label="Config versions">
          <thead>
            <tr>
              <th scope="col">Version</th>
              <th scope="col">Change</th>
              <th scope="col">By</th>
              <th scope="col">When</th>
              {canEdit && <th scope="col" />}
            </tr>
          </thead>
          <tbody>
            {versions.data?.items.map((version) => (
              <tr
                key={version.number}
                className={version.number === current ? "selected" : undefined}
                data-testid={`version-${version.number}`}
              >
                <td>
                  <button
                    type="button"
                    className="link"
                    onClick={() => {
                      setSelected(version.number);
                      setBase(null);
                    }}
                  >
                    #{version.number}
                  </button>
                </td>
                <td>{version.summary}</td>
                <td className="muted">{version.createdBy}</td>
                <td className="muted small">{new Date(version.createdAt).toLocaleString()}</td>
                {canEdit && (
                  <td>
                    {version.number !== latest && (
                      <button
                        type="button"
                        className="small-button"
                        onClick={() => {
                          if (
                            window.confirm(
                              `Make the config what it was at version ${version.number}? This creates a new version.`,
                            )
                          ) {
                            revert.mutate({ number: version.number, ...(latest ? { expectedLatest: latest } : {}) });
                          }
                        }}
                      >
                        Revert to this
                      </button>
                    )}
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
        <section className="panel" aria-label="Changes in the selected version">
          <h2 className="small">
            Changes from{" "}
            <select aria-label="Compare with version" value={from} onChange={(e) => setBase(Number(e.target.value))}>
              {(versions.data?.items ?? [])
                .filter((v) => v.number !== current)
                .map((v) => (
                  <option key={v.number} value={v.number}>
                    #{v.number}
                  </option>
                ))}
              {!versions.data?.items.some((v) => v.number === from) && <option value={from}>#{from}</option>}
            </select>{" "}
            to #{current ?? "…"}
          </h2>
          {diff.data?.changes.length === 0 && <p className="muted">No data-plane change between these versions.</p>}
          <ul className="diff">
            {diff.data?.changes.map((change) => (
              <li key={`${change.kind}-${change.path}`} className={`diff-${change.kind}`}>
                <code>{change.path}</code>{" "}
                {change.kind === "changed"
                  ? `${JSON.stringify(change.before)} → ${JSON.stringify(change.after)}`
                  : change.kind === "added"
                    ? "added"
                    : "removed"}
              </li>
            ))}
          </ul>
        </section>
      </div>
      <AuditLog />
    </section>
  );
}
