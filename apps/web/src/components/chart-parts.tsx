"use client";

import type { ReactElement } from "react";
import { ResponsiveContainer } from "recharts";

/** Tick text: small, in the page's text colour (light and dark). */
export const AXIS_TICK = { fontSize: 11, fill: "currentColor" };
/** Room for the y axis labels without wasting the left edge. */
export const CHART_MARGIN = { top: 4, right: 8, bottom: 0, left: -12 };
export const GRID = { strokeDasharray: "3 3", strokeOpacity: 0.3 } as const;

/** A time, as precise as the span shown needs: seconds for minutes, hours for days. */
export function timeLabel(at: number, spanMs = 0): string {
  const d = new Date(at);
  if (spanMs > 2 * 24 * 3600_000)
    return d.toLocaleDateString(undefined, { month: "short", day: "numeric", hour: "2-digit" });
  if (spanMs > 3600_000) return d.toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit" });
  return d.toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit", second: "2-digit" });
}

/** Props of every chart's x axis: unix ms on a time scale, from the first point to the last. */
export function timeAxis(spanMs = 0) {
  return {
    dataKey: "at",
    type: "number" as const,
    scale: "time" as const,
    domain: ["dataMin", "dataMax"],
    tickFormatter: (at: number) => timeLabel(at, spanMs),
    tick: AXIS_TICK,
    minTickGap: 40,
  };
}

export const tooltipTime = (at: unknown) => new Date(Number(at)).toLocaleString();

/**
 * A chart with its caption, 180 px high and as wide as its column; a dashed box saying so when
 * there is nothing to draw. `latest` carries the newest value as text, for tests and assistive
 * technology.
 */
export function ChartFrame(props: {
  title: string;
  caption?: string;
  latest?: string | undefined;
  empty?: boolean;
  /** What the dashed box says when `empty`. */
  emptyText?: string;
  children: ReactElement;
}) {
  return (
    <figure className="chart" aria-label={props.title} data-latest={props.latest}>
      <figcaption className="small">{props.caption ?? props.title}</figcaption>
      {props.empty ? (
        <p className="muted small chart-empty">{props.emptyText ?? "Nothing to show in this range."}</p>
      ) : (
        <div className="chart-body">
          <ResponsiveContainer width="100%" height={180}>
            {props.children}
          </ResponsiveContainer>
        </div>
      )}
    </figure>
  );
}
