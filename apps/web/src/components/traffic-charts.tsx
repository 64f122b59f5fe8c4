"use client";

import { memo } from "react";
import {
  Area,
  AreaChart,
  CartesianGrid,
  Legend,
  Line,
  LineChart,
  ReferenceLine,
  Tooltip,
  XAxis,
  YAxis,
} from "recharts";
import { AXIS_TICK, CHART_MARGIN, ChartFrame, GRID, timeAxis, tooltipTime } from "./chart-parts";

/** One point of a chart, whatever its source: a live second or a stored rollup bucket. */
export interface ChartPoint {
  at: number;
  rps: number;
  s2xx: number;
  s3xx: number;
  s4xx: number;
  s5xx: number;
  errors: number;
  errorPercent: number;
  p50: number | null;
  p95: number | null;
  p99: number | null;
  /** Share of requests per version label, in percent. */
  shares?: Record<string, number>;
}

/** Threshold lines drawn on the charts (rollout analysis, SLOs). */
export interface ChartThresholds {
  maxErrorPercent?: number;
  maxP95Ms?: number;
  maxP99Ms?: number;
}

const COLORS = {
  s2xx: "#2e9e5b",
  s3xx: "#5b8def",
  s4xx: "#d49b1d",
  s5xx: "#d64545",
  errors: "#8e44ad",
  p50: "#5b8def",
  p95: "#d49b1d",
  p99: "#d64545",
};
const VERSION_COLORS = ["#5b8def", "#2e9e5b", "#d49b1d", "#8e44ad", "#d64545", "#16a2b8"];

/**
 * The four traffic charts of a pool or backend: requests per second by status class, error
 * percentage, latency percentiles, and (when versions are known) each version's share of the
 * requests, which is where a canary's traffic moving is seen.
 */
export const TrafficCharts = memo(function TrafficCharts(props: {
  points: ChartPoint[];
  thresholds?: ChartThresholds;
}) {
  const { points } = props;
  const span = points.length > 1 ? (points[points.length - 1]?.at ?? 0) - (points[0]?.at ?? 0) : 0;
  const empty = points.every((p) => p.rps === 0);
  const versions = [...new Set(points.flatMap((p) => Object.keys(p.shares ?? {})))].sort();
  const shareRows = points.map((p) => ({ at: p.at, ...(p.shares ?? {}) }));
  const xAxis = <XAxis {...timeAxis(span)} />;
  const animation = { isAnimationActive: false };
  return (
    <div className="charts" data-testid="traffic-charts">
      <ChartFrame title="Requests per second by status" empty={empty} emptyText="No traffic in this range.">
        <AreaChart data={points} margin={CHART_MARGIN}>
          <CartesianGrid {...GRID} />
          {xAxis}
          <YAxis tick={AXIS_TICK} allowDecimals={false} />
          <Tooltip labelFormatter={tooltipTime} formatter={(v: unknown) => Number(v).toFixed(1)} />
          <Legend wrapperStyle={{ fontSize: 11 }} />
          {(["s2xx", "s3xx", "s4xx", "s5xx", "errors"] as const).map((key) => (
            <Area
              key={key}
              dataKey={key}
              name={key === "errors" ? "no answer" : key.slice(1)}
              stackId="status"
              stroke={COLORS[key]}
              fill={COLORS[key]}
              fillOpacity={0.35}
              {...animation}
            />
          ))}
        </AreaChart>
      </ChartFrame>
      <ChartFrame title="Errors (5xx and no answer), %" empty={empty} emptyText="No traffic in this range.">
        <LineChart data={points} margin={CHART_MARGIN}>
          <CartesianGrid {...GRID} />
          {xAxis}
          <YAxis tick={AXIS_TICK} domain={[0, (max: number) => Math.max(1, Math.ceil(max))]} />
          <Tooltip labelFormatter={tooltipTime} formatter={(v: unknown) => `${Number(v).toFixed(2)}%`} />
          {props.thresholds?.maxErrorPercent !== undefined && (
            <ReferenceLine
              y={props.thresholds.maxErrorPercent}
              stroke={COLORS.s5xx}
              strokeDasharray="6 3"
              label={{ value: "limit", fontSize: 10, fill: COLORS.s5xx }}
            />
          )}
          <Line dataKey="errorPercent" name="errors %" stroke={COLORS.s5xx} dot={false} {...animation} />
        </LineChart>
      </ChartFrame>
      <ChartFrame title="Latency, ms" empty={empty} emptyText="No traffic in this range.">
        <LineChart data={points} margin={CHART_MARGIN}>
          <CartesianGrid {...GRID} />
          {xAxis}
          <YAxis tick={AXIS_TICK} />
          <Tooltip labelFormatter={tooltipTime} formatter={(v: unknown) => `${Number(v).toFixed(2)} ms`} />
          <Legend wrapperStyle={{ fontSize: 11 }} />
          {props.thresholds?.maxP95Ms !== undefined && (
            <ReferenceLine y={props.thresholds.maxP95Ms} stroke={COLORS.p95} strokeDasharray="6 3" />
          )}
          {props.thresholds?.maxP99Ms !== undefined && (
            <ReferenceLine y={props.thresholds.maxP99Ms} stroke={COLORS.p99} strokeDasharray="6 3" />
          )}
          {(["p50", "p95", "p99"] as const).map((key) => (
            <Line key={key} dataKey={key} stroke={COLORS[key]} dot={false} connectNulls {...animation} />
          ))}
        </LineChart>
      </ChartFrame>
      {versions.length > 0 && (
        <ChartFrame
          title="Share of requests by version, %"
          empty={empty}
          emptyText="No traffic in this range."
          latest={JSON.stringify(points[points.length - 1]?.shares ?? {})}
        >
          <AreaChart data={shareRows} margin={CHART_MARGIN}>
            <CartesianGrid {...GRID} />
            {xAxis}
            <YAxis tick={AXIS_TICK} domain={[0, 100]} />
            <Tooltip labelFormatter={tooltipTime} formatter={(v: unknown) => `${Number(v).toFixed(1)}%`} />
            <Legend wrapperStyle={{ fontSize: 11 }} />
            {versions.map((version, i) => (
              <Area
                key={version}
                dataKey={version}
                stackId="share"
                stroke={VERSION_COLORS[i % VERSION_COLORS.length]}
                fill={VERSION_COLORS[i % VERSION_COLORS.length]}
                fillOpacity={0.4}
                {...animation}
              />
            ))}
          </AreaChart>
        </ChartFrame>
      )}
    </div>
  );
});
