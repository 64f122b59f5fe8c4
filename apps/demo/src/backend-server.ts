import { createServer, type Server } from "node:http";
import { hostname } from "node:os";

export interface DemoBackendOptions {
  port: number;
  host?: string;
  /** Version label reported in every answer (the pool's backends carry the same label). */
  version: string;
  /** Added latency per request, in ms. */
  latencyMs?: number;
  /** Share of requests (0..1) answered 500, for rollout demos. */
  errorRate?: number;
  /** Busy CPU per request, in ms, for autoscaling demos. */
  cpuMs?: number;
  rng?: () => number;
}

/**
 * A stand-in application for demos and tests: answers every path with JSON naming its version
 * and address, `/healthz` with 200. Latency, errors and CPU cost are dialled by options.
 */
export function createDemoBackend(options: DemoBackendOptions): Server {
  const rng = options.rng ?? Math.random;
  const instance = `${hostname()}:${options.port}`;
  return createServer((req, res) => {
    if (req.url === "/healthz") {
      res.writeHead(200, { "content-type": "text/plain" });
      res.end("ok\n");
      return;
    }
    const respond = () => {
      if (options.cpuMs) burn(options.cpuMs);
      const failed = options.errorRate !== undefined && rng() < options.errorRate;
      const body = JSON.stringify({
        version: options.version,
        instance,
        method: req.method,
        path: req.url,
        status: failed ? 500 : 200,
      });
      res.writeHead(failed ? 500 : 200, {
        "content-type": "application/json",
        "x-backend-version": options.version,
        "x-backend-instance": instance,
      });
      res.end(body);
    };
    // Drain the request body before answering so keep-alive connections stay usable.
    req.resume();
    req.on("end", () => {
      if (options.latencyMs) setTimeout(respond, options.latencyMs);
      else respond();
    });
  });
}

function burn(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // Spin: the point is to cost CPU.
  }
}
