/**
 * `npm run bench:telemetry -w @weir/bench`: how many agents reporting once a second one
 * control-plane process absorbs while staying under half a core. A real control plane process
 * (the built server) on its own Postgres; simulated agents are Socket.IO connections that enroll
 * like agents and send, every second on the second, a report built by the real agent code
 * (TelemetryReporter) from a real engine that carried traffic: one pool, three backends, with
 * their latency histograms. The control plane parses, merges and aggregates every report, pushes
 * live series and writes rollups. Its CPU time (user + system, from /proc) is measured over 10 s
 * at each step.
 *
 * Env: STEPS (250,500,1000,1500,2000), SECONDS (10).
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { TelemetryReporter } from "@weir/agent";
import type { Telemetry } from "@weir/config";
import { startTestPostgres } from "@weir/db/testing";
import { createEngine } from "@weir/proxy-engine";
import { io, type Socket } from "socket.io-client";
import { Agent, request } from "undici";
import { cpuSeconds, startControlPlane } from "./lib";

const STEPS = (process.env.STEPS ?? "250,500,1000,1500,2000").split(",").map(Number);
const SECONDS = Number(process.env.SECONDS ?? 10);

/** A real report: a real engine carries 300 requests to three backends, the agent's reporter reads it. */
async function realisticReport(backendIds: string[]): Promise<Telemetry> {
  const servers = await Promise.all(
    backendIds.map(
      (_, i) =>
        new Promise<ReturnType<typeof createServer>>((resolve) => {
          const s = createServer((req, res) => {
            req.resume();
            setTimeout(() => res.end("ok"), i * 2 + Math.random() * 3);
          });
          s.listen(0, "127.0.0.1", () => resolve(s));
        }),
    ),
  );
  const engine = createEngine({});
  await engine.apply({
    version: 1,
    listeners: [{ name: "l", bind: { host: "127.0.0.1", port: 0 }, defaultPool: "bench" }],
    pools: [
      {
        name: "bench",
        healthCheck: { type: "none" },
        backends: backendIds.map((id, i) => ({
          id,
          address: {
            host: "127.0.0.1",
            port: ((servers[i] as (typeof servers)[number]).address() as AddressInfo).port,
          },
        })),
      },
    ],
  });
  const reporter = new TelemetryReporter();
  reporter.next(engine.metrics.snapshot(), engine.health());
  const dispatcher = new Agent({ connections: 8 });
  const port = engine.port("l");
  await Promise.all(
    Array.from({ length: 300 }, async () => (await request(`http://127.0.0.1:${port}/`, { dispatcher })).body.dump()),
  );
  const report = reporter.next(engine.metrics.snapshot(), engine.health()) as Telemetry;
  await dispatcher.close();
  await engine.close();
  for (const s of servers) s.close();
  return report;
}

const postgres = await startTestPostgres();
const cp = await startControlPlane(postgres.url);
const sockets: Socket[] = [];
let sent = 0;
try {
  const { token } = await cp.api("POST", "/enrollment-tokens", { name: "bench" });
  const pool = await cp.api("POST", "/pools", { name: "bench", healthCheck: { type: "none" } });
  const ids: string[] = [];
  for (const port of [9, 10, 11])
    ids.push((await cp.api("POST", `/pools/${pool.item.id}/backends`, { host: "127.0.0.1", port })).item.id);
  const template = await realisticReport(ids);
  const payloadBytes = JSON.stringify(template).length;
  console.log(
    `report: ${template.backends.length} backends, ${template.backends.reduce((n, b) => n + b.latency.buckets.length, 0)} histogram buckets, ${payloadBytes} bytes of JSON`,
  );

  let seq = 0;
  const connect = async (n: number) => {
    while (sockets.length < n) {
      const batch = Math.min(50, n - sockets.length);
      await Promise.all(
        Array.from({ length: batch }, () => {
          const name = `sim-${sockets.length}`;
          const socket = io(`${cp.url}/agents`, {
            transports: ["websocket"],
            auth: { token, name, softwareVersion: "bench", protocolVersion: 1 },
          });
          sockets.push(socket);
          return new Promise<void>((resolve, reject) => {
            socket.once("welcome", () => resolve());
            socket.once("connect_error", reject);
          });
        }),
      );
    }
  };
  // Every simulated agent reports on the second, as agents do.
  const tick = () => {
    const at = Date.now();
    for (const s of sockets) {
      s.volatile.emit("telemetry", { ...template, seq: seq, at, intervalMs: 1000 });
      sent++;
    }
    seq++;
    timer = setTimeout(tick, 1000 - (Date.now() % 1000) + 5);
  };
  let timer = setTimeout(tick, 1000 - (Date.now() % 1000) + 5);

  console.log("\n| agents | reports sent/s | control-plane CPU (cores) |");
  console.log("| ---: | ---: | ---: |");
  let best = 0;
  for (const n of STEPS) {
    await connect(n);
    await new Promise((r) => setTimeout(r, 3000)); // settle after connecting
    const cpu0 = cpuSeconds(cp.pid);
    const sent0 = sent;
    const t0 = Date.now();
    await new Promise((r) => setTimeout(r, SECONDS * 1000));
    const elapsed = (Date.now() - t0) / 1000;
    const cores = (cpuSeconds(cp.pid) - cpu0) / elapsed;
    if (cores < 0.5) best = n;
    console.log(`| ${n} | ${((sent - sent0) / elapsed).toFixed(0)} | ${cores.toFixed(2)} |`);
  }
  clearTimeout(timer);
  console.log(
    `\nmost agents under half a core: ${best || "fewer than the first step"}; goal ≥ 1000: ${best >= 1000 ? "met" : "NOT met"}`,
  );
} finally {
  for (const s of sockets) s.close();
  await cp.stop();
  await postgres.destroy();
}
process.exit(0);
