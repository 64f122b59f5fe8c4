"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useParams } from "next/navigation";
import { type FormEvent, useState } from "react";
import { SplitSlider } from "@/components/split-slider";
import { useSession } from "@/lib/session";
import { useTRPC } from "@/lib/trpc";

type Verb = "drain" | "enable" | "disable";

export default function PoolPage() {
  const { name } = useParams<{ name: string }>();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { canEdit } = useSession();
  const pool = useQuery(trpc.pools.get.queryOptions({ id: name }, { refetchInterval: 5000 }));
  const [notice, setNotice] = useState<{ kind: "error" | "ok"; text: string } | null>(null);

  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.pools.get.queryKey({ id: name }) });
  const onError = (error: { message: string; data?: { code?: string } | null }) => {
    setNotice({
      kind: "error",
      text:
        error.data?.code === "CONFLICT" ? `${error.message} The table now shows the current values.` : error.message,
    });
    void refresh();
  };
  const onSuccess = (result: { configVersion: number }) => {
    setNotice({ kind: "ok", text: `Saved as config version ${result.configVersion}.` });
    void refresh();
  };
  const setWeight = useMutation(trpc.backends.update.mutationOptions({ onSuccess, onError }));
  const setState = {
    drain: useMutation(trpc.backends.drain.mutationOptions({ onSuccess, onError })),
    enable: useMutation(trpc.backends.enable.mutationOptions({ onSuccess, onError })),
    disable: useMutation(trpc.backends.disable.mutationOptions({ onSuccess, onError })),
  } satisfies Record<Verb, unknown>;
  const remove = useMutation(trpc.backends.remove.mutationOptions({ onSuccess, onError }));
  const add = useMutation(trpc.backends.add.mutationOptions({ onSuccess, onError }));
  const updatePool = useMutation(trpc.pools.update.mutationOptions({ onSuccess, onError }));

  if (pool.isPending) return <p className="muted">Loading pool…</p>;
  if (pool.isError) {
    return (
      <p role="alert" className="error">
        {pool.error.message}
      </p>
    );
  }
  const data = pool.data;

  return (
    <section aria-labelledby="pool-heading">
      <p className="small">
        <Link href="/">Pools</Link> / {data.name}
      </p>
      <h1 id="pool-heading">{data.name}</h1>
      <p className="muted">
        {data.algorithm.replaceAll("_", " ")} · health check {data.healthCheck.type}{" "}
        {data.healthCheck.type === "http" && data.healthCheck.path} every {data.healthCheck.intervalMs / 1000} s ·{" "}
        {data.retry.attempts} retries · connect timeout {data.timeouts.connectMs} ms
      </p>
      {data.description && <p>{data.description}</p>}
      {notice && (
        <p role={notice.kind === "error" ? "alert" : "status"} className={notice.kind === "error" ? "error" : "ok"}>
          {notice.text}
        </p>
      )}
      <h2 className="small">Traffic split</h2>
      <SplitSlider
        key={`${data.version}`}
        backends={data.backends}
        split={data.trafficSplit}
        disabled={!canEdit || updatePool.isPending}
        onApply={(split) =>
          updatePool.mutate({
            id: data.id,
            version: data.version,
            trafficSplit: split === null ? null : { ...(data.trafficSplit ?? {}), ...split },
          })
        }
      />
      <h2 className="small">Backends</h2>
      <table className="table" aria-label="Backends">
        <thead>
          <tr>
            <th scope="col">Backend</th>
            <th scope="col">Version</th>
            <th scope="col">Weight</th>
            <th scope="col">State</th>
            {canEdit && <th scope="col">Actions</th>}
          </tr>
        </thead>
        <tbody>
          {data.backends.map((backend) => (
            <tr key={backend.id} data-testid={`backend-${backend.host}:${backend.port}`}>
              <td>
                <code>
                  {backend.host}:{backend.port}
                </code>
              </td>
              <td>{backend.versionLabel}</td>
              <td>
                {canEdit ? (
                  <WeightInput
                    key={`${backend.id}-${backend.version}`}
                    label={`Weight of ${backend.host}:${backend.port}`}
                    value={backend.weight}
                    onCommit={(weight) => setWeight.mutate({ id: backend.id, version: backend.version, weight })}
                  />
                ) : (
                  backend.weight
                )}
              </td>
              <td>
                <span className={`state state-${backend.state}`}>{backend.state}</span>
              </td>
              {canEdit && (
                <td className="actions">
                  {(["drain", "enable", "disable"] as const)
                    .filter((verb) => !(verb === "enable" && backend.state === "active"))
                    .filter((verb) => !(verb === "drain" && backend.state !== "active"))
                    .filter((verb) => !(verb === "disable" && backend.state === "disabled"))
                    .map((verb) => (
                      <button
                        key={verb}
                        type="button"
                        className="small-button"
                        onClick={() => setState[verb].mutate({ id: backend.id, version: backend.version })}
                      >
                        {verb[0]?.toUpperCase()}
                        {verb.slice(1)}
                      </button>
                    ))}
                  <button
                    type="button"
                    className="small-button danger"
                    onClick={() => {
                      if (window.confirm(`Remove ${backend.host}:${backend.port} from ${data.name}?`)) {
                        remove.mutate({ id: backend.id, version: backend.version });
                      }
                    }}
                  >
                    Remove
                  </button>
                </td>
              )}
            </tr>
          ))}
          {data.backends.length === 0 && (
            <tr>
              <td colSpan={5} className="muted">
                No backends yet.
              </td>
            </tr>
          )}
        </tbody>
      </table>
      {canEdit && <AddBackend onAdd={(input) => add.mutate({ poolId: data.id, ...input })} pending={add.isPending} />}
    </section>
  );
}

function WeightInput({ label, value, onCommit }: { label: string; value: number; onCommit: (weight: number) => void }) {
  const [draft, setDraft] = useState(String(value));
  const commit = () => {
    const weight = Number(draft);
    if (draft !== String(value) && Number.isInteger(weight)) onCommit(weight);
  };
  return (
    <input
      aria-label={label}
      className="weight"
      type="number"
      min={0}
      max={10000}
      value={draft}
      onChange={(event) => setDraft(event.target.value)}
      onBlur={commit}
      onKeyDown={(event) => {
        if (event.key === "Enter") commit();
        if (event.key === "Escape") setDraft(String(value));
      }}
    />
  );
}

function AddBackend({
  onAdd,
  pending,
}: {
  onAdd: (input: { host: string; port: number; weight: number; versionLabel: string }) => void;
  pending: boolean;
}) {
  const [address, setAddress] = useState("");
  const [versionLabel, setVersionLabel] = useState("v1");
  const [weight, setWeight] = useState("100");
  const [error, setError] = useState<string | null>(null);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const match = /^(.+):(\d{1,5})$/.exec(address.trim());
    if (!match) {
      setError("Address: host:port, e.g. 10.0.0.5:8080");
      return;
    }
    setError(null);
    onAdd({ host: match[1] ?? "", port: Number(match[2]), weight: Number(weight), versionLabel });
    setAddress("");
  };
  return (
    <form className="inline-form" onSubmit={submit} aria-label="Add backend">
      <label>
        Address
        <input value={address} onChange={(e) => setAddress(e.target.value)} placeholder="10.0.0.5:8080" required />
      </label>
      <label>
        Version
        <input value={versionLabel} onChange={(e) => setVersionLabel(e.target.value)} required />
      </label>
      <label>
        Weight
        <input type="number" min={0} max={10000} value={weight} onChange={(e) => setWeight(e.target.value)} />
      </label>
      <button type="submit" className="primary" disabled={pending}>
        Add backend
      </button>
      {error && (
        <span role="alert" className="error">
          {error}
        </span>
      )}
    </form>
  );
}
