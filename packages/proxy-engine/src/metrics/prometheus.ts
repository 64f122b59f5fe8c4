import {
  type HistogramSnapshot,
  histogramBucketLow,
  histogramBucketWidth,
  type MetricsSnapshot,
  type SeriesSnapshot,
} from "@weir/config";

/** Prometheus `le` bounds (seconds) projected from the fine histogram: a bucket counts under `le` when it ends at or below it. */
const LE_SECONDS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

function escapeLabel(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

function labels(pairs: Record<string, string>): string {
  return Object.entries(pairs)
    .map(([k, v]) => `${k}="${escapeLabel(v)}"`)
    .join(",");
}

function histogramLines(name: string, l: string, h: HistogramSnapshot, out: string[]): void {
  let bucket = 0;
  let cumulative = 0;
  for (const le of LE_SECONDS) {
    const limit = le * 1e6;
    while (bucket < h.buckets.length) {
      const [index, count] = h.buckets[bucket] as [number, number];
      if (histogramBucketLow(index) + histogramBucketWidth(index) > limit) break;
      cumulative += count;
      bucket++;
    }
    out.push(`${name}_bucket{${l}${l ? "," : ""}le="${le}"} ${cumulative}`);
  }
  out.push(`${name}_bucket{${l}${l ? "," : ""}le="+Inf"} ${h.count}`);
  out.push(`${name}_sum{${l}} ${h.sumMicros / 1e6}`);
  out.push(`${name}_count{${l}} ${h.count}`);
}

function seriesLines(prefix: string, l: Record<string, string>, s: SeriesSnapshot, out: Map<string, string[]>): void {
  const base = labels(l);
  const push = (metric: string, line: string) => {
    let lines = out.get(metric);
    if (lines === undefined) {
      lines = [];
      out.set(metric, lines);
    }
    lines.push(line);
  };
  for (const [cls, n] of Object.entries(s.requests))
    push(`${prefix}_requests_total`, `${prefix}_requests_total{${base},class="${cls}"} ${n}`);
  push(`${prefix}_retries_total`, `${prefix}_retries_total{${base}} ${s.retries}`);
  push(`${prefix}_active`, `${prefix}_active{${base}} ${s.active}`);
  const h: string[] = [];
  histogramLines(`${prefix}_latency_seconds`, base, s.latency, h);
  for (const line of h) push(`${prefix}_latency_seconds`, line);
}

const HELP: Record<string, [string, string]> = {
  weir_route_requests_total: ["counter", "Requests answered per route, by status class (error: no status sent)."],
  weir_route_retries_total: ["counter", "Retries per route."],
  weir_route_active: ["gauge", "Requests in flight per route."],
  weir_route_latency_seconds: ["histogram", "Request duration per route, first byte in to last byte out."],
  weir_pool_requests_total: ["counter", "Requests answered per pool, by status class."],
  weir_pool_retries_total: ["counter", "Retries per pool."],
  weir_pool_active: ["gauge", "Requests (or tcp connections) in flight per pool."],
  weir_pool_latency_seconds: ["histogram", "Request duration per pool."],
  weir_backend_requests_total: ["counter", "Attempts per backend, by status class (error: failed before a status)."],
  weir_backend_retries_total: ["counter", "Attempts on this backend that were retried elsewhere."],
  weir_backend_active: ["gauge", "Requests in flight per backend."],
  weir_backend_latency_seconds: ["histogram", "Attempt duration per backend."],
  weir_backend_up: ["gauge", "1 when the backend takes new requests (healthy, not ejected, active)."],
  weir_backend_ejections_total: ["counter", "Outlier ejections per backend."],
  weir_backend_connections_opened_total: ["counter", "Upstream connections opened per backend."],
  weir_backend_connections_open: ["gauge", "Upstream connections open per backend."],
  weir_pool_panic: ["gauge", "1 while the pool is in panic mode (too few healthy backends)."],
  weir_listener_connections_open: ["gauge", "Client connections open per listener."],
  weir_listener_connections_accepted_total: ["counter", "Client connections accepted per listener."],
  weir_config_version: ["gauge", "Version of the config the engine runs."],
};

/** Prometheus text exposition format 0.0.4. */
export function toPrometheus(m: MetricsSnapshot): string {
  const families = new Map<string, string[]>();
  const push = (metric: string, line: string) => {
    let lines = families.get(metric);
    if (lines === undefined) {
      lines = [];
      families.set(metric, lines);
    }
    lines.push(line);
  };
  push("weir_config_version", `weir_config_version ${m.configVersion}`);
  for (const [key, s] of Object.entries(m.routes)) {
    const slash = key.indexOf("/");
    seriesLines("weir_route", { listener: key.slice(0, slash), route: key.slice(slash + 1) }, s, families);
  }
  for (const [pool, s] of Object.entries(m.pools)) {
    seriesLines("weir_pool", { pool }, s, families);
    push("weir_pool_panic", `weir_pool_panic{${labels({ pool })}} ${s.panic ? 1 : 0}`);
  }
  for (const b of Object.values(m.backends)) {
    const l = { pool: b.pool, backend: b.id, version: b.version };
    seriesLines("weir_backend", l, b, families);
    const base = labels(l);
    push("weir_backend_up", `weir_backend_up{${base}} ${b.health === "healthy" ? 1 : 0}`);
    push("weir_backend_ejections_total", `weir_backend_ejections_total{${base}} ${b.ejections}`);
    push(
      "weir_backend_connections_opened_total",
      `weir_backend_connections_opened_total{${base}} ${b.connectionsOpened}`,
    );
    push("weir_backend_connections_open", `weir_backend_connections_open{${base}} ${b.connectionsOpen}`);
  }
  for (const [listener, l] of Object.entries(m.listeners)) {
    push(
      "weir_listener_connections_open",
      `weir_listener_connections_open{${labels({ listener })}} ${l.connectionsOpen}`,
    );
    push(
      "weir_listener_connections_accepted_total",
      `weir_listener_connections_accepted_total{${labels({ listener })}} ${l.connectionsAccepted}`,
    );
  }
  const out: string[] = [];
  for (const [metric, lines] of families) {
    const help = HELP[metric];
    if (help !== undefined) out.push(`# HELP ${metric} ${help[1]}`, `# TYPE ${metric} ${help[0]}`);
    out.push(...lines);
  }
  return `${out.join("\n")}\n`;
}
