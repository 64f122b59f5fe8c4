"use client";

import type { PoolTick } from "@weir/config";
import { CartesianGrid, Legend, Line, LineChart, ReferenceLine, Tooltip, XAxis, YAxis } from "recharts";
import { sumPoints } from "@/lib/points";
import { AXIS_TICK, CHART_MARGIN, ChartFrame, GRID, timeAxis, tooltipTime } from "./chart-parts";

/** Seconds summed per chart point: single seconds at a few requests are noise. */
const SMOOTH = 5;

interface Row {
  at: number;
  stableSuccess: number | null;
  newSuccess: number | null;
  stableP95: number | null;
  newP95: number | null;
  newShare: number | null;
}

/** Stable vs new over the live window: success rate, p95 and the new version's share of requests. */
function rows(ticks: readonly PoolTick[], stable: string, next: string): Row[] {
  return ticks.map((tick, i) => {
    const sum = (version: string) =>
      sumPoints(ticks, i - SMOOTH + 1, i + 1, (t) => t.versions.find((v) => v.version === version)?.point);
    const s = sum(stable);
    const n = sum(next);
    const total = s.requests + n.requests;
    return {
      at: tick.total.at,
      stableSuccess: s.requests > 0 ? (100 * (s.requests - s.failed)) / s.requests : null,
      newSuccess: n.requests > 0 ? (100 * (n.requests - n.failed)) / n.requests : null,
      stableP95: s.p95,
      newP95: n.p95,
      newShare: total > 0 ? (100 * n.requests) / total : null,
    };
  });
}

const STABLE = "#5b8def";
const NEW = "#2e9e5b";
const LIMIT = "#d64545";

/** The success chart's floor: a point under the lowest value or the threshold, whichever is lower. */
function floorBelow(minSuccessRate: number | undefined) {
  return (dataMin: number) => Math.max(0, Math.floor(Math.min(dataMin, 100 * (minSuccessRate ?? 1)) - 1));
}

function Chart(props: {
  title: string;
  data: Row[];
  lines: Array<{ key: keyof Row; name: string; color: string }>;
  domain?: [number | "auto" | ((dataMin: number) => number), number | "auto"];
  limit?: { value: number; label: string } | undefined;
  unit: string;
  latest?: string;
}) {
  return (
    <ChartFrame title={props.title} latest={props.latest}>
      <LineChart data={props.data} margin={CHART_MARGIN}>
        <CartesianGrid {...GRID} />
        <XAxis {...timeAxis()} />
        <YAxis tick={AXIS_TICK} domain={props.domain ?? ["auto", "auto"]} />
        <Tooltip labelFormatter={tooltipTime} formatter={(v: unknown) => `${Number(v).toFixed(2)}${props.unit}`} />
        <Legend wrapperStyle={{ fontSize: 11 }} />
        {props.limit && (
          <ReferenceLine
            y={props.limit.value}
            stroke={LIMIT}
            strokeDasharray="6 3"
            label={{ value: props.limit.label, fontSize: 10, fill: LIMIT, position: "insideTopRight" }}
          />
        )}
        {props.lines.map((l) => (
          <Line
            key={l.key}
            dataKey={l.key}
            name={l.name}
            stroke={l.color}
            dot={false}
            connectNulls
            isAnimationActive={false}
          />
        ))}
      </LineChart>
    </ChartFrame>
  );
}

/**
 * The rollout's comparison charts, live: each version's success rate and p95 with the analysis
 * thresholds drawn on them, and the share of requests the new version gets (which follows the
 * steps, and drops to zero on an abort).
 */
export function RolloutCharts(props: {
  ticks: PoolTick[];
  stable: string;
  next: string;
  minSuccessRate?: number | undefined;
  maxP95Ms?: number | undefined;
}) {
  const data = rows(props.ticks, props.stable, props.next);
  const last = data[data.length - 1];
  return (
    <div className="charts" data-testid="rollout-charts">
      <Chart
        title="Success rate (non-5xx), %"
        data={data}
        unit="%"
        domain={[floorBelow(props.minSuccessRate), 100]}
        lines={[
          { key: "stableSuccess", name: props.stable, color: STABLE },
          { key: "newSuccess", name: props.next, color: NEW },
        ]}
        limit={props.minSuccessRate !== undefined ? { value: 100 * props.minSuccessRate, label: "minimum" } : undefined}
      />
      <Chart
        title="p95 latency, ms"
        data={data}
        unit=" ms"
        lines={[
          { key: "stableP95", name: props.stable, color: STABLE },
          { key: "newP95", name: props.next, color: NEW },
        ]}
        limit={props.maxP95Ms !== undefined ? { value: props.maxP95Ms, label: "maximum" } : undefined}
      />
      <Chart
        title={`Share of requests to ${props.next}, %`}
        data={data}
        unit="%"
        domain={[0, 100]}
        lines={[{ key: "newShare", name: props.next, color: NEW }]}
        latest={last?.newShare === null || last === undefined ? "" : last.newShare.toFixed(1)}
      />
    </div>
  );
}
