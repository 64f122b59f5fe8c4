"use client";

import {
  Area,
  AreaChart,
  CartesianGrid,
  Legend,
  Line,
  LineChart,
  ReferenceLine,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from "recharts";

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

function timeLabel(at: number, spanMs: number): string {
  const d = new Date(at);
  if (spanMs > 2 * 24 * 3600_000)
    return d.toLocaleDateString(undefined, { month: "short", day: "numeric", hour: "2-digit" });
  if (spanMs > 3600_000) return d.toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit" });
  return d.toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit", second: "2-digit" });
}

const axisStyle = { fontSize: 11, fill: "currentColor" };

function Frame({
  title,
  children,
  empty,
  data,
}: {
  title: string;
  children: React.ReactElement;
  empty: boolean;
  /** The latest values, as text, for tests and assistive technology. */
  data?: string;
}) {
  return (
    <figure className="chart" aria-label={title} data-latest={data}>
      <figcaption className="small">{title}</figcaption>
      {empty ? (
        <p className="muted small chart-empty">No traffic in this range.</p>
      ) : (
        <div className="chart-body">
          <ResponsiveContainer width="100%" height={180}>
            {children}
          </ResponsiveContainer>
        </div>
      )}
    </figure>
  );
}

/**
 * The four traffic charts of a pool or backend: requests per second by status class, error
 * percentage, latency percentiles, and (when versions are known) each version's share of the
 * requests, which is where a canary's traffic moving is seen.
 */
export function TrafficCharts(props: { points: ChartPoint[]; thresholds?: ChartThresholds; live?: boolean }) {
  const { points } = props;
  const span = points.length > 1 ? (points[points.length - 1]?.at ?? 0) - (points[0]?.at ?? 0) : 0;
  const empty = points.every((p) => p.rps === 0);
  const versions = [...new Set(points.flatMap((p) => Object.keys(p.shares ?? {})))].sort();
  const shareRows = points.map((p) => ({ at: p.at, ...(p.shares ?? {}) }));
  const xAxis = (
    <XAxis
      dataKey="at"
      type="number"
      domain={["dataMin", "dataMax"]}
      scale="time"
      tickFormatter={(at: number) => timeLabel(at, span)}
      tick={axisStyle}
      minTickGap={40}
    />
  );
  const tooltipLabel = (at: unknown) => new Date(Number(at)).toLocaleString();
  const animation = { isAnimationActive: false };
  return (
    <div className="charts" data-testid="traffic-charts">
      <Frame title="Requests per second by status" empty={empty}>
        <AreaChart data={points} margin={{ top: 4, right: 8, bottom: 0, left: -12 }}>
          <CartesianGrid strokeDasharray="3 3" strokeOpacity={0.3} />
          {xAxis}
          <YAxis tick={axisStyle} allowDecimals={false} />
          <Tooltip labelFormatter={tooltipLabel} formatter={(v: unknown) => Number(v).toFixed(1)} />
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
      </Frame>
      <Frame title="Errors (5xx and no answer), %" empty={empty}>
        <LineChart data={points} margin={{ top: 4, right: 8, bottom: 0, left: -12 }}>
          <CartesianGrid strokeDasharray="3 3" strokeOpacity={0.3} />
          {xAxis}
          <YAxis tick={axisStyle} domain={[0, (max: number) => Math.max(1, Math.ceil(max))]} />
          <Tooltip labelFormatter={tooltipLabel} formatter={(v: unknown) => `${Number(v).toFixed(2)}%`} />
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
      </Frame>
      <Frame title="Latency, ms" empty={empty}>
        <LineChart data={points} margin={{ top: 4, right: 8, bottom: 0, left: -12 }}>
          <CartesianGrid strokeDasharray="3 3" strokeOpacity={0.3} />
          {xAxis}
          <YAxis tick={axisStyle} />
          <Tooltip labelFormatter={tooltipLabel} formatter={(v: unknown) => `${Number(v).toFixed(2)} ms`} />
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
      </Frame>
      {versions.length > 0 && (
        <Frame
          title="Share of requests by version, %"
          empty={empty}
          data={JSON.stringify(points[points.length - 1]?.shares ?? {})}
        >
          <AreaChart data={shareRows} margin={{ top: 4, right: 8, bottom: 0, left: -12 }}>
            <CartesianGrid strokeDasharray="3 3" strokeOpacity={0.3} />
            {xAxis}
            <YAxis tick={axisStyle} domain={[0, 100]} />
            <Tooltip labelFormatter={tooltipLabel} formatter={(v: unknown) => `${Number(v).toFixed(1)}%`} />
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
        </Frame>
      )}
    </div>
  );
}
