import { Agent, request } from "node:http";

export interface TrafficOptions {
  /** Base URL requests go to, e.g. http://127.0.0.1:8080. */
  target: string;
  /** Requests per second (open loop: sent on schedule, whatever the answers take). */
  rate: number;
  paths?: readonly string[];
  /** At most this many requests in flight; beyond it the generator skips sends and counts them. */
  maxInFlight?: number;
}

export interface TrafficStats {
  rate: number;
  sent: number;
  inFlight: number;
  skipped: number;
  byStatus: Record<string, number>;
}

export interface TrafficGenerator {
  stats(): TrafficStats;
  setRate(rate: number): void;
  stop(): Promise<void>;
}

const DEFAULT_PATHS = ["/", "/api/items", "/api/items/42", "/api/users", "/static/app.js"];
const TICK_MS = 50;

/**
 * A gentle, steady stream of GETs over keep-alive connections, so the demo's charts have
 * something to show. The rate can change while it runs (the dashboard's demo control).
 */
export function startTraffic(options: TrafficOptions): TrafficGenerator {
  const paths = options.paths ?? DEFAULT_PATHS;
  const maxInFlight = options.maxInFlight ?? 256;
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const url = new URL(options.target);
  let rate = options.rate;
  let owed = 0;
  let sent = 0;
  let inFlight = 0;
  let skipped = 0;
  let next = 0;
  const byStatus: Record<string, number> = {};
  const count = (key: string) => {
    byStatus[key] = (byStatus[key] ?? 0) + 1;
  };

  const send = () => {
    if (inFlight >= maxInFlight) {
      skipped++;
      return;
    }
    inFlight++;
    sent++;
    const path = paths[next++ % paths.length] ?? "/";
    const req = request(
      { host: url.hostname, port: url.port || 80, path, agent, headers: { "user-agent": "weir-demo-traffic" } },
      (res) => {
        count(String(res.statusCode));
        res.resume();
        res.on("end", () => inFlight--);
        res.on("error", () => inFlight--);
      },
    );
    req.setTimeout(10_000, () => req.destroy(new Error("timeout")));
    req.on("error", (error: NodeJS.ErrnoException) => {
      count(error.code ?? "error");
      inFlight--;
    });
    req.end();
  };

  const timer = setInterval(() => {
    owed += (rate * TICK_MS) / 1000;
    while (owed >= 1) {
      owed -= 1;
      send();
    }
  }, TICK_MS);

  return {
    stats: () => ({ rate, sent, inFlight, skipped, byStatus: { ...byStatus } }),
    setRate(value) {
      rate = Math.max(0, value);
    },
    async stop() {
      clearInterval(timer);
      agent.destroy();
    },
  };
}
