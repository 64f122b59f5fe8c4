"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useParams } from "next/navigation";
import { useState } from "react";
import { CartesianGrid, Legend, Line, LineChart, ReferenceLine, Tooltip, XAxis, YAxis } from "recharts";
import { AXIS_TICK, CHART_MARGIN, ChartFrame, GRID, timeAxis, tooltipTime } from "@/components/chart-parts";
import { QueryState } from "@/components/query-state";
import { refetchAfterChange } from "@/lib/refresh";
import { useSession } from "@/lib/session";
import { useTRPC } from "@/lib/trpc";

interface DecisionMetric {
  type?: string;
  value?: number | null;
  target?: number;
}

/** The metric values an evaluation saw, read defensively from the decision's inputs. */
function metricsOf(inputs: unknown): DecisionMetric[] {
  const metrics = (inputs as { metrics?: unknown } | null)?.metrics;
  return Array.isArray(metrics) ? (metrics as DecisionMetric[]) : [];
}

export default function ScalingRulePage() {
  const { id } = useParams<{ id: string }>();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { canEdit } = useSession();
  const rule = useQuery(trpc.scaling.get.queryOptions({ id }, { refetchInterval: 2000 }));
  const decisions = useQuery(trpc.scaling.decisions.queryOptions({ id, limit: 300 }, { refetchInterval: 2000 }));
  const [notice, setNotice] = useState<string | null>(null);
  const handlers = {
    onSuccess: () => {
      setNotice(null);
      void refetchAfterChange(queryClient, { queryKey: trpc.scaling.get.queryKey({ id }) });
    },
    onError: (error: { message: string }) => setNotice(error.message),
  };
  const enable = useMutation(trpc.scaling.enable.mutationOptions(handlers));
  const disable = useMutation(trpc.scaling.disable.mutationOptions(handlers));
  const update = useMutation(trpc.scaling.update.mutationOptions(handlers));

  if (!rule.isSuccess) return <QueryState query={rule} loading="Loading scaling rule…" />;
  const r = rule.data;
  const metric = r.metrics[0];
  const rows = [...(decisions.data ?? [])].reverse().map((d) => ({
    at: Date.parse(d.at),
    actual: d.currentBackends,
    desired: d.desiredBackends,
    metric: metricsOf(d.inputs).find((m) => m.type === metric?.type)?.value ?? null,
  }));
  const span = rows.length > 1 ? (rows.at(-1)?.at ?? 0) - (rows[0]?.at ?? 0) : 0;

  return (
    <section aria-labelledby="rule-heading">
      <p className="small">
        <Link href={`/pools/${r.poolName}`}>{r.poolName}</Link> / scaling
      </p>
      <h1 id="rule-heading">{r.name}</h1>
      <p className="muted">
        {r.versionLabel ? `version ${r.versionLabel} of ${r.poolName}` : `the whole ${r.poolName} pool`} ·{" "}
        {r.metrics.map((m) => `${m.type.replaceAll("_", " ")} target ${m.target}`).join(", ")} · {r.minBackends}–
        {r.maxBackends} backends · windows up {r.scaleUpWindowSec} s / down {r.scaleDownWindowSec} s · actuator{" "}
        {r.actuator.kind}
      </p>
      <dl className="stats" aria-label="Where the rule stands">
        <div>
          <dt>Enabled</dt>
          <dd data-testid="rule-enabled">{r.enabled ? "yes" : "no"}</dd>
        </div>
        <div>
          <dt>Backends</dt>
          <dd data-testid="rule-current">{r.status.current}</dd>
        </div>
        <div>
          <dt>Desired</dt>
          <dd data-testid="rule-desired">{r.status.desired ?? "–"}</dd>
        </div>
        <div>
          <dt>Draining</dt>
          <dd>{r.status.draining}</dd>
        </div>
      </dl>
      {r.status.lastError && (
        <p className="error">
          {r.status.lastError.code}: {r.status.lastError.message} (
          {new Date(r.status.lastError.at).toLocaleTimeString()})
        </p>
      )}
      {notice && (
        <p role="alert" className="error">
          {notice}
        </p>
      )}
      {canEdit && (
        <div className="actions">
          {r.enabled ? (
            <button type="button" className="small-button" onClick={() => disable.mutate({ id })}>
              Disable
            </button>
          ) : (
            <button type="button" className="small-button" onClick={() => enable.mutate({ id })}>
              Enable
            </button>
          )}
          <BoundsEditor
            min={r.minBackends}
            max={r.maxBackends}
            onSave={(minBackends, maxBackends) => update.mutate({ id, version: r.version, minBackends, maxBackends })}
          />
        </div>
      )}
      <h2 className="small">Backends and {metric?.type.replaceAll("_", " ")}</h2>
      <div className="charts">
        <ChartFrame title="Desired and actual backends" caption="Backends: desired and actual">
          <LineChart data={rows} margin={CHART_MARGIN}>
            <CartesianGrid {...GRID} />
            <XAxis {...timeAxis(span)} />
            <YAxis tick={AXIS_TICK} allowDecimals={false} domain={[0, r.maxBackends + 1]} />
            <Tooltip labelFormatter={tooltipTime} />
            <Legend wrapperStyle={{ fontSize: 11 }} />
            <ReferenceLine y={r.maxBackends} stroke="#d64545" strokeDasharray="6 3" />
            <ReferenceLine y={r.minBackends} stroke="#8a939e" strokeDasharray="6 3" />
            <Line dataKey="desired" stroke="#d49b1d" dot={false} type="stepAfter" isAnimationActive={false} />
            <Line dataKey="actual" stroke="#2e9e5b" dot={false} type="stepAfter" isAnimationActive={false} />
          </LineChart>
        </ChartFrame>
        <ChartFrame
          title="Metric against its target"
          caption={`${metric?.type.replaceAll("_", " ") ?? "metric"} against its target ${metric?.target ?? ""}`}
        >
          <LineChart data={rows} margin={CHART_MARGIN}>
            <CartesianGrid {...GRID} />
            <XAxis {...timeAxis(span)} />
            <YAxis tick={AXIS_TICK} />
            <Tooltip labelFormatter={tooltipTime} />
            {metric && (
              <ReferenceLine
                y={metric.target}
                stroke="#d64545"
                strokeDasharray="6 3"
                label={{ value: "target", fontSize: 10 }}
              />
            )}
            <Line dataKey="metric" stroke="#5b8def" dot={false} connectNulls isAnimationActive={false} />
          </LineChart>
        </ChartFrame>
      </div>
      <h2 className="small">Decisions</h2>
      {decisions.data?.length === 0 && <p className="muted small">No evaluation yet.</p>}
      <div className="table-wrap">
        <table className="table" aria-label="Decisions">
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Action</th>
              <th scope="col" className="num">
                Backends
              </th>
              <th scope="col" className="num">
                Recommended
              </th>
              <th scope="col" className="num">
                Desired
              </th>
              <th scope="col">Why</th>
            </tr>
          </thead>
          <tbody>
            {(decisions.data ?? []).slice(0, 50).map((d) => (
              <tr key={d.id}>
                <td className="small muted">{new Date(d.at).toLocaleTimeString()}</td>
                <td className={d.action === "error" ? "error" : d.action.startsWith("scale") ? "ok" : "muted"}>
                  {d.action.replace("_", " ")}
                </td>
                <td className="num">{d.currentBackends}</td>
                <td className="num">{d.recommended}</td>
                <td className="num">{d.desiredBackends}</td>
                <td className="small">{d.reason}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

function BoundsEditor(props: { min: number; max: number; onSave: (min: number, max: number) => void }) {
  const [min, setMin] = useState(String(props.min));
  const [max, setMax] = useState(String(props.max));
  const changed = min !== String(props.min) || max !== String(props.max);
  return (
    <form
      className="inline-form"
      aria-label="Bounds"
      onSubmit={(e) => {
        e.preventDefault();
        props.onSave(Number(min), Number(max));
      }}
    >
      <label>
        Min
        <input type="number" className="weight" value={min} onChange={(e) => setMin(e.target.value)} />
      </label>
      <label>
        Max
        <input type="number" className="weight" value={max} onChange={(e) => setMax(e.target.value)} />
      </label>
      <button type="submit" className="small-button" disabled={!changed}>
        Save bounds
      </button>
    </form>
  );
}
