"use client";

import { useQuery, useQueryClient } from "@tanstack/react-query";
import type { LiveHealthEvent, PoolTick } from "@weir/config";
import { useEffect } from "react";
import { refetchAfterEvent } from "@/lib/refresh";
import { useTRPC } from "@/lib/trpc";

const STATE_COLORS: Record<string, string> = {
  healthy: "#2e9e5b",
  unhealthy: "#d64545",
  ejected: "#d49b1d",
  draining: "#5b8def",
  disabled: "#8a939e",
  unknown: "#c9ced6",
};

/**
 * When each backend was up or down: a strip per backend over the live window (one cell a second,
 * the state the agents reported), and below it the recorded transitions with their reasons, which
 * reach back past the live window.
 */
export function HealthTimeline(props: {
  poolId: string;
  ticks: PoolTick[];
  liveEvents: LiveHealthEvent[];
  backends: Array<{ id: string; label: string }>;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const events = useQuery(trpc.metrics.healthEvents.queryOptions({ poolId: props.poolId, limit: 50 }));
  const labels = new Map(props.backends.map((b) => [b.id, b.label]));
  const lastLive = props.liveEvents.length;
  // A transition just seen live is stored by now (or in a moment): refresh the recorded list.
  useEffect(() => {
    if (lastLive === 0) return;
    const timer = setTimeout(
      () => void refetchAfterEvent(queryClient, { queryKey: trpc.metrics.healthEvents.queryKey() }),
      300,
    );
    return () => clearTimeout(timer);
  }, [lastLive, queryClient, trpc]);

  const width = 300;
  const ticks = props.ticks.slice(-width);
  return (
    <section aria-label="Health timeline" className="panel spaced">
      <h2 className="small">Health timeline</h2>
      <div className="timeline">
        {props.backends.map((b) => (
          <div key={b.id} className="timeline-row">
            <span className="small timeline-label">{b.label}</span>
            <svg
              viewBox={`0 0 ${width} 10`}
              preserveAspectRatio="none"
              className="timeline-strip"
              role="img"
              aria-label={`${b.label} over the last ${ticks.length} seconds`}
            >
              {ticks.map((t, i) => {
                const state = t.backends.find((x) => x.id === b.id)?.health ?? "unknown";
                return (
                  <rect
                    key={t.total.at}
                    x={width - ticks.length + i}
                    y={0}
                    width={1.05}
                    height={10}
                    fill={STATE_COLORS[state] ?? STATE_COLORS.unknown}
                  />
                );
              })}
            </svg>
          </div>
        ))}
        <p className="muted small legend">
          {Object.entries(STATE_COLORS).map(([state, color]) => (
            <span key={state}>
              <span className="swatch" style={{ background: color }} /> {state}
            </span>
          ))}
        </p>
      </div>
      {events.isError && (
        <p role="alert" className="error small">
          {events.error.message}
        </p>
      )}
      {events.data && events.data.length === 0 && <p className="muted small">No health changes recorded.</p>}
      {events.data && events.data.length > 0 && (
        <ol className="events" aria-label="Health changes">
          {events.data.map((e) => (
            <li key={`${e.at}-${e.backendId}-${e.agent}`} className="small">
              <time dateTime={e.at}>{new Date(e.at).toLocaleString()}</time>{" "}
              <strong>{labels.get(e.backendId) ?? e.backendId}</strong>{" "}
              <span className={e.healthy ? "ok" : "error"}>{e.reason}</span> <span className="muted">({e.agent})</span>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
