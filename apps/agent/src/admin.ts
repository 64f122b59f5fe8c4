import { createServer, type Server } from "node:http";
import type { Engine } from "@weir/proxy-engine";

export interface AdminOptions {
  /** `host:port`; a bare port binds 127.0.0.1. */
  listen: string;
  engine: Engine;
  /** Ready: a config is applied and its listeners are bound. The reason when not. */
  readiness: () => { ready: true } | { ready: false; reason: string };
  /** Extra state for `/status` (control-plane connection, versions). */
  status: () => Record<string, unknown>;
}

/**
 * The agent's admin endpoints, read-only, for probes and scrapers (bind it to localhost or a
 * private interface):
 * - `/healthz`: the process is alive (200);
 * - `/readyz`: 200 once a config is applied and every one of its listeners is bound, else 503 with
 *   the reason (a listener whose port another program holds is named, and retried meanwhile);
 * - `/metrics`: Prometheus text exposition of the engine's metrics;
 * - `/snapshot`, `/health`, `/status`: JSON (metrics snapshot, every backend's health, agent state).
 */
export async function startAdmin(options: AdminOptions): Promise<Server> {
  const { host, port } = parseHostPort(options.listen);
  const server = createServer((req, res) => {
    const json = (status: number, value: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(value));
    };
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { allow: "GET, HEAD", "content-type": "text/plain" });
      res.end("read-only: GET only\n");
      return;
    }
    const path = (req.url ?? "/").split("?")[0];
    switch (path) {
      case "/healthz":
        return json(200, { status: "ok" });
      case "/readyz": {
        const r = readiness(options);
        return json(r.ready ? 200 : 503, r.ready ? { status: "ready" } : { status: "not ready", reason: r.reason });
      }
      case "/metrics":
        res.writeHead(200, { "content-type": "text/plain; version=0.0.4; charset=utf-8" });
        res.end(options.engine.metrics.prometheus());
        return;
      case "/snapshot":
        return json(200, options.engine.metrics.snapshot());
      case "/health":
        return json(200, options.engine.health());
      case "/status":
      case "/config":
        return json(200, {
          ...options.status(),
          configVersion: options.engine.config?.version ?? null,
          listeners: options.engine.listenerInfo(),
          listenerStatus: options.engine.listenerStatus(),
        });
      default:
        res.writeHead(404, { "content-type": "text/plain" });
        res.end("try /healthz, /readyz, /metrics, /snapshot, /health or /status\n");
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", (error: NodeJS.ErrnoException) =>
      reject(
        error.code === "EADDRINUSE"
          ? new Error(`--admin: ${host}:${port} is already in use; choose another port`)
          : error,
      ),
    );
    server.listen(port, host, () => resolve());
  });
  return server;
}

function readiness(options: AdminOptions): { ready: true } | { ready: false; reason: string } {
  const r = options.readiness();
  if (!r.ready) return r;
  const failed = options.engine
    .listenerStatus()
    .flatMap((l) => (l.state === "failed" ? [`${l.name}: ${l.reason}`] : []));
  return failed.length === 0
    ? r
    : { ready: false, reason: `listener ${failed.join("; listener ")} (retrying with back-off)` };
}

export function parseHostPort(text: string): { host: string; port: number } {
  const colon = text.lastIndexOf(":");
  const host = colon > 0 ? text.slice(0, colon).replace(/^\[|\]$/g, "") : "127.0.0.1";
  const port = Number(text.slice(colon + 1));
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--admin: "${text}" is not host:port`);
  return { host, port };
}

export function adminPort(server: Server | undefined): number | undefined {
  const a = server?.address();
  return typeof a === "object" && a !== null ? a.port : undefined;
}

export function closeServer(server: Server | undefined): Promise<void> {
  if (server === undefined) return Promise.resolve();
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
