import { z } from "zod";
import { histogramSnapshotSchema } from "./histogram";

/** Requests answered, by status class. `error` counts requests that got no status (client gone). */
export const statusCountsSchema = z.strictObject({
  "1xx": z.int().min(0),
  "2xx": z.int().min(0),
  "3xx": z.int().min(0),
  "4xx": z.int().min(0),
  "5xx": z.int().min(0),
  error: z.int().min(0),
});
export type StatusCounts = z.output<typeof statusCountsSchema>;

/** Counters are totals since the engine started (monotonic; take differences between snapshots). */
export const seriesSnapshotSchema = z.strictObject({
  requests: statusCountsSchema,
  retries: z.int().min(0),
  /** Requests (or tcp connections) in flight right now. */
  active: z.int().min(0),
  latency: histogramSnapshotSchema,
});
export type SeriesSnapshot = z.output<typeof seriesSnapshotSchema>;

export const backendHealthStateSchema = z.enum(["healthy", "unhealthy", "ejected", "draining", "disabled"]);
export type BackendHealthState = z.output<typeof backendHealthStateSchema>;

export const backendSnapshotSchema = seriesSnapshotSchema.extend({
  pool: z.string(),
  id: z.string(),
  version: z.string(),
  health: backendHealthStateSchema,
  ejections: z.int().min(0),
  /** Upstream connections opened since start, and open now. */
  connectionsOpened: z.int().min(0),
  connectionsOpen: z.int().min(0),
});
export type BackendSnapshot = z.output<typeof backendSnapshotSchema>;

export const metricsSnapshotSchema = z.strictObject({
  /** Unix ms when taken. */
  takenAt: z.number(),
  configVersion: z.int().min(0),
  /** Keyed `listener/route`. */
  routes: z.record(z.string(), seriesSnapshotSchema),
  pools: z.record(z.string(), seriesSnapshotSchema.extend({ ejections: z.int().min(0), panic: z.boolean() })),
  /** Keyed `pool/backendId`. */
  backends: z.record(z.string(), backendSnapshotSchema),
  listeners: z.record(
    z.string(),
    z.strictObject({
      connectionsOpen: z.int().min(0),
      connectionsAccepted: z.int().min(0),
      /** Closed as they were accepted: over `maxConnections` or `maxConnectionsPerClient`. */
      connectionsRefused: z.int().min(0).default(0),
    }),
  ),
});
export type MetricsSnapshot = z.output<typeof metricsSnapshotSchema>;
