"use client";

import { useQuery } from "@tanstack/react-query";
import type { PoolTick } from "@weir/config";
import { useMemo, useState } from "react";
import { pointsFromSeries, pointsFromTicks } from "@/lib/points";
import { useTRPC } from "@/lib/trpc";
import { type ChartThresholds, TrafficCharts } from "./traffic-charts";

const RANGES = [
  { id: "live", label: "Live (5 min)", ms: 0, resolution: 1 },
  { id: "1h", label: "1 hour", ms: 3600_000, resolution: 10 },
  { id: "6h", label: "6 hours", ms: 6 * 3600_000, resolution: 60 },
  { id: "24h", label: "24 hours", ms: 24 * 3600_000, resolution: 60 },
  { id: "7d", label: "7 days", ms: 7 * 24 * 3600_000, resolution: 3600 },
] as const;
type RangeId = (typeof RANGES)[number]["id"];

/**
 * A pool's traffic charts: the last five minutes live (one point a second from the hub), or any
 * past range from the stored rollups; for the whole pool or one backend.
 */
export function PoolTraffic(props: {
  poolId: string;
  ticks: PoolTick[];
  backends: Array<{ id: string; label: string }>;
  thresholds?: ChartThresholds;
}) {
  const trpc = useTRPC();
  const [range, setRange] = useState<RangeId>("live");
  const [backendId, setBackendId] = useState<string>("");
  const chosen = RANGES.find((r) => r.id === range) ?? RANGES[0];
  // Fixed at selection time (rounded to the minute) so the query key is stable between renders.
  const window = useMemo(() => {
    const to = Math.ceil(Date.now() / 60_000) * 60_000;
    return { from: new Date(to - chosen.ms).toISOString(), to: new Date(to).toISOString() };
  }, [chosen.ms]);
  const series = useQuery({
    ...trpc.metrics.series.queryOptions({
      poolId: props.poolId,
      ...(backendId ? { backendId } : {}),
      from: window.from,
      to: window.to,
      resolution: chosen.resolution as 10 | 60 | 300 | 3600,
    }),
    enabled: range !== "live",
  });
  // Rebuilt when their source changes, not on every render of the page (once a second when live).
  const ticks = range === "live" ? props.ticks : undefined;
  const stored = range === "live" ? undefined : series.data;
  const points = useMemo(
    () =>
      ticks !== undefined
        ? pointsFromTicks(ticks, backendId || undefined)
        : pointsFromSeries(stored ?? [], chosen.resolution),
    [ticks, stored, backendId, chosen.resolution],
  );

  return (
    <section aria-label="Traffic" className="panel spaced">
      <div className="toolbar">
        <fieldset aria-label="Time range" className="segmented">
          {RANGES.map((r) => (
            <button
              key={r.id}
              type="button"
              aria-pressed={range === r.id}
              className={range === r.id ? "selected" : ""}
              onClick={() => setRange(r.id)}
            >
              {r.label}
            </button>
          ))}
        </fieldset>
        <label className="small">
          Series{" "}
          <select value={backendId} onChange={(e) => setBackendId(e.target.value)} aria-label="Series">
            <option value="">whole pool</option>
            {props.backends.map((b) => (
              <option key={b.id} value={b.id}>
                {b.label}
              </option>
            ))}
          </select>
        </label>
      </div>
      {range !== "live" && series.isPending && <p className="muted small">Loading stored metrics…</p>}
      {range !== "live" && series.isError && (
        <p role="alert" className="error small">
          {series.error.message}
        </p>
      )}
      {range === "live" && props.ticks.length === 0 && (
        <p className="muted small">Waiting for the first seconds of live data…</p>
      )}
      <TrafficCharts points={points} thresholds={props.thresholds} />
    </section>
  );
}
