"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useParams } from "next/navigation";
import { type FormEvent, useState } from "react";
import { HealthTimeline } from "@/components/health-timeline";
import { PoolSettings } from "@/components/pool-settings";
import { PoolTraffic } from "@/components/pool-traffic";
import { QueryState } from "@/components/query-state";
import { RolloutForm } from "@/components/rollout-form";
import { ScalingSection } from "@/components/scaling-section";
import { SplitSlider } from "@/components/split-slider";
import { usePoolLive } from "@/lib/live";
import { formatMs, formatPercent, formatRate, recentSummary } from "@/lib/points";
import { refetchAfterChange } from "@/lib/refresh";
import { useSession } from "@/lib/session";
import { useTRPC } from "@/lib/trpc";

type Verb = "drain" | "enable" | "disable";

export default function PoolPage() {
  const { name } = useParams<{ name: string }>();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { canEdit } = useSession();
  // Fresh by events: the hub's `invalidate` refetches it when anyone changes the config.
  const pool = useQuery(trpc.pools.get.queryOptions({ id: name }, { refetchInterval: 30_000 }));
  const live = usePoolLive(name);
  const [showSettings, setShowSettings] = useState(false);
  const [newRollout, setNewRollout] = useState(false);
  const rollouts = useQuery({
    ...trpc.rollouts.list.queryOptions({ poolId: name }, { refetchInterval: 30_000 }),
    enabled: pool.isSuccess,
  });
  const [notice, setNotice] = useState<{ kind: "error" | "ok"; text: string } | null>(null);

  const refresh = () => refetchAfterChange(queryClient, { queryKey: trpc.pools.get.queryKey({ id: name }) });
  const onError = (error: { message: string; data?: { code?: string } | null }) => {
    setNotice({
      kind: "error",
      text:
        error.data?.code === "CONFLICT"
          ? `${error.message} Someone else changed it first; the page now shows their values.`
          : error.message,
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

  if (!pool.isSuccess) return <QueryState query={pool} loading="Loading pool…" />;
  const data = pool.data;
  const labelOf = new Map(data.backends.map((b) => [b.id, `${b.host}:${b.port}`]));
  const seriesChoices = data.backends.map((b) => ({ id: b.id, label: `${b.host}:${b.port} (${b.versionLabel})` }));
  const lastTick = live.ticks[live.ticks.length - 1];
  const total = recentSummary(live.ticks, 5, (t) => t.total);

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
      <dl className="stats" aria-label="Live totals">
        <div>
          <dt>Requests/s</dt>
          <dd data-testid="pool-rps">{formatRate(total?.rps)}</dd>
        </div>
        <div>
          <dt>Errors</dt>
          <dd>{formatPercent(total?.errorPercent)}</dd>
        </div>
        <div>
          <dt>p95</dt>
          <dd>{formatMs(total?.p95)}</dd>
        </div>
        <div>
          <dt>In flight</dt>
          <dd>{total?.active ?? "–"}</dd>
        </div>
        <div>
          <dt>Live</dt>
          <dd className={live.connected ? "ok" : "error"}>{live.connected ? "connected" : "reconnecting…"}</dd>
        </div>
      </dl>
      {notice && (
        <p role={notice.kind === "error" ? "alert" : "status"} className={notice.kind === "error" ? "error" : "ok"}>
          {notice.text}
        </p>
      )}
      <h2 className="small">Rollouts</h2>
      <RolloutSummary rollouts={rollouts.data ?? []} />
      {canEdit &&
        !(rollouts.data ?? []).some((r) => ["pending", "progressing", "paused"].includes(r.status)) &&
        (newRollout ? (
          <RolloutForm
            poolId={data.id}
            versions={[...new Set(data.backends.map((b) => b.versionLabel))].sort()}
            onCancel={() => setNewRollout(false)}
          />
        ) : (
          <button type="button" className="small-button" onClick={() => setNewRollout(true)}>
            New rollout
          </button>
        ))}
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
            {canEdit && <th scope="col">Actions</th>}
          </tr>
        </thead>
        <tbody>
          {data.backends.map((backend) => {
            const health = lastTick?.backends.find((b) => b.id === backend.id);
            const numbers = recentSummary(live.ticks, 5, (t) => t.backends.find((b) => b.id === backend.id)?.point);
            return (
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
                <td data-testid="health">
                  <span className={`health health-${health?.health ?? "unknown"}`}>{health?.health ?? "unknown"}</span>
                  {health && health.health !== "healthy" && <div className="muted small">{health.reason}</div>}
                </td>
                <td className="num">{formatRate(numbers?.rps)}</td>
                <td className="num">{formatPercent(numbers?.errorPercent)}</td>
                <td className="num">{formatMs(numbers?.p95)}</td>
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
            );
          })}
          {data.backends.length === 0 && (
            <tr>
              <td colSpan={9} className="muted">
                No backends yet.
              </td>
            </tr>
          )}
        </tbody>
      </table>
      {canEdit && <AddBackend onAdd={(input) => add.mutate({ poolId: data.id, ...input })} pending={add.isPending} />}
      <h2 className="small">Traffic</h2>
      <PoolTraffic poolId={data.id} ticks={live.ticks} backends={seriesChoices} />
      <ScalingSection
        poolId={data.id}
        poolName={data.name}
        versions={[...new Set(data.backends.map((b) => b.versionLabel))].sort()}
        canEdit={canEdit}
      />
      <HealthTimeline
        poolId={data.id}
        ticks={live.ticks}
        liveEvents={live.health}
        backends={data.backends.map((b) => ({ id: b.id, label: labelOf.get(b.id) ?? b.id }))}
      />
      <h2 className="small">
        <button type="button" className="link" aria-expanded={showSettings} onClick={() => setShowSettings((v) => !v)}>
          {showSettings ? "▾" : "▸"} Settings
        </button>
      </h2>
      {showSettings && (
        <PoolSettings
          pool={data}
          canEdit={canEdit}
          pending={updatePool.isPending}
          onSave={(input) =>
            updatePool.mutateAsync(input as Parameters<typeof updatePool.mutate>[0]).then(
              () => true,
              () => false,
            )
          }
        />
      )}
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

/** The pool's running rollout (it drives the split below), or the last one. */
function RolloutSummary({
  rollouts,
}: {
  rollouts: Array<{
    id: string;
    status: string;
    stableVersion: string;
    newVersion: string;
    currentWeight: number;
    message: string | null;
  }>;
}) {
  const active = rollouts.find((r) => ["pending", "progressing", "paused"].includes(r.status));
  const shown = active ?? rollouts[0];
  if (shown === undefined) return <p className="muted small">No rollout of this pool yet.</p>;
  return (
    <p className={active ? "panel rollout-banner" : "muted small"} data-testid="rollout-banner">
      <Link href={`/rollouts/${shown.id}`}>
        {shown.stableVersion} → {shown.newVersion}
      </Link>{" "}
      <strong className={`status-${shown.status}`}>{shown.status.replace("_", " ")}</strong> at {shown.currentWeight}%
      {shown.message && <span className="muted"> · {shown.message}</span>}
      {active && <span className="muted"> · moving the slider below pauses it</span>}
    </p>
  );
}
