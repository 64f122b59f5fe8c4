/**
 * `npm run soak:proxy -w @weir/bench`: 10^6 keep-alive requests (wrk), then 10^5 WebSocket
 * open/abort cycles, through Weir in its own process. Passes when the proxy's RSS ends within 10%
 * of where it started (after a warm-up) and no new backend connection was opened per request in
 * steady state (counted at the backend). The default test suite runs a scaled-down version
 * (packages/proxy-engine/test/engine/steady-state.test.ts).
 *
 * Env: SOAK_REQUESTS (default 1000000), SOAK_WEBSOCKETS (100000), SOAK_CONCURRENCY (64).
 */

import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import WebSocket, { WebSocketServer } from "ws";
import { ensureTools, start, stopAll, waitForPort } from "./lib";

const execFileAsync = promisify(execFile);

const REQUESTS = Number(process.env.SOAK_REQUESTS ?? 1_000_000);
const WEBSOCKETS = Number(process.env.SOAK_WEBSOCKETS ?? 100_000);
const CONCURRENCY = Number(process.env.SOAK_CONCURRENCY ?? 64);
const PROXY_PORT = 19130;

const tools = ensureTools();

function rssMb(pid: number): number {
  const m = readFileSync(`/proc/${pid}/status`, "utf8").match(/^VmRSS:\s+(\d+) kB/m);
  return Number(m?.[1] ?? 0) / 1024;
}

async function wsCycles(total: number, report: boolean): Promise<{ opened: number; failed: number }> {
  let opened = 0;
  let failed = 0;
  let nextReport = total / 10;
  await Promise.all(
    Array.from({ length: 32 }, async () => {
      while (opened + failed < total) {
        opened++;
        await new Promise<void>((resolve) => {
          const ws = new WebSocket(`ws://127.0.0.1:${PROXY_PORT}/ws`);
          ws.once("open", () => {
            ws.terminate();
            resolve();
          });
          ws.once("error", () => {
            failed++;
            opened--;
            resolve();
          });
        });
        if (report && opened >= nextReport) {
          nextReport += total / 10;
          console.log(`  ${opened.toLocaleString()} WebSocket cycles, RSS ${rssMb(proxyPid).toFixed(1)} MB`);
        }
      }
    }),
  );
  return { opened, failed };
}

let proxyPid = 0;

/** RSS after a full collection in the proxy (SIGUSR2, see servers/weir.ts): retained memory, not garbage. */
async function settledRss(pid: number): Promise<number> {
  process.kill(pid, "SIGUSR2");
  await new Promise((r) => setTimeout(r, 1000));
  return rssMb(pid);
}

async function main(): Promise<void> {
  // Backend: HTTP + WebSocket echo, counting every TCP connection it accepts.
  let accepted = 0;
  let open = 0;
  const server = createServer((req, res) => {
    req.resume();
    res.writeHead(200, { "content-type": "text/plain", "content-length": "12" });
    res.end("hello world\n");
  });
  server.keepAliveTimeout = 60_000;
  server.on("connection", (s) => {
    accepted++;
    open++;
    s.on("close", () => open--);
  });
  const wss = new WebSocketServer({ server });
  wss.on("connection", (ws) => ws.on("error", () => {}));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const backendPort = (server.address() as AddressInfo).port;

  const proxy = start(
    process.execPath,
    [
      "--expose-gc",
      "--import",
      "tsx",
      fileURLToPath(new URL("./servers/weir.ts", import.meta.url)),
      String(PROXY_PORT),
      String(backendPort),
    ],
    {
      MALLOC_ARENA_MAX: "2",
    },
  );
  await waitForPort(PROXY_PORT);
  const pid = proxy.pid as number;
  proxyPid = pid;
  const url = `http://127.0.0.1:${PROXY_PORT}/`;

  // Asynchronous on purpose: the backend lives in this process and must keep serving.
  const runWrk = async (seconds: number): Promise<number> => {
    const { stdout: out } = await execFileAsync(tools.wrk, ["-t1", `-c${CONCURRENCY}`, `-d${seconds}s`, url], {
      encoding: "utf8",
    });
    const n = Number(/(\d+) requests in/.exec(out)?.[1] ?? 0);
    const bad = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(out)?.[1] ?? 0);
    if (bad > 0) throw new Error(`${bad} failed requests`);
    return n;
  };

  // Warm-up of both workloads (JIT, heap sizing, the pool's connections): "where it started" is
  // the RSS of a proxy that has seen both kinds of traffic, not of a cold process.
  await runWrk(5);
  await wsCycles(Math.min(5_000, WEBSOCKETS), false);
  await runWrk(3);
  const connectionsAfterWarmUp = open;
  const startRss = await settledRss(pid);
  console.log(
    `warm-up done: ${connectionsAfterWarmUp} keep-alive backend connections, proxy RSS after GC ${startRss.toFixed(1)} MB`,
  );

  // One long wrk run, so the only aborted requests are those cut when it stops. New backend
  // connections are counted between 2 s into the run and the last sample before it ends.
  const rate = (await runWrk(3)) / 3;
  // 20% headroom: the measured rate drifts, and the run must reach REQUESTS.
  const seconds = Math.max(5, Math.ceil((REQUESTS / rate) * 1.2));
  const samples: Array<{ at: number; accepted: number; rss: number }> = [];
  const started = Date.now();
  const sampler = setInterval(() => {
    samples.push({ at: Date.now() - started, accepted, rss: rssMb(pid) });
  }, 500);
  const done = await runWrk(seconds);
  clearInterval(sampler);
  const steady = samples.filter((s) => s.at >= 2000 && s.at <= seconds * 1000 - 1000);
  const httpNew = (steady[steady.length - 1]?.accepted ?? 0) - (steady[0]?.accepted ?? 0);
  for (const s of samples.filter((_, i) => i % 20 === 0))
    console.log(`  t=${(s.at / 1000).toFixed(0)}s RSS ${s.rss.toFixed(1)} MB`);
  console.log(
    `${done.toLocaleString()} keep-alive requests in ${((Date.now() - started) / 1000).toFixed(0)} s; new backend connections in steady state (t=2s..${seconds - 1}s): ${httpNew}`,
  );

  // WebSocket open/abort cycles.
  const wsStarted = Date.now();
  const acceptedBeforeWs = accepted;
  const { opened, failed } = await wsCycles(WEBSOCKETS, true);
  console.log(
    `${opened.toLocaleString()} WebSocket open/abort cycles in ${((Date.now() - wsStarted) / 1000).toFixed(0)} s (${failed} failed); tunnels seen by the backend: ${accepted - acceptedBeforeWs}`,
  );

  // A last round of plain requests, then the verdict.
  await runWrk(5);
  const endRss = await settledRss(pid);
  const growth = (endRss - startRss) / startRss;
  console.log(
    `\nproxy RSS after GC: start ${startRss.toFixed(1)} MB, end ${endRss.toFixed(1)} MB (${(growth * 100).toFixed(1)}%), max ${Math.max(...samples.map((s) => s.rss)).toFixed(1)} MB`,
  );
  console.log(
    `backend connections open at the end: ${open} (keep-alive pool after warm-up: ${connectionsAfterWarmUp}; every WebSocket tunnel closed: ${open <= connectionsAfterWarmUp})`,
  );
  const ok = Math.abs(growth) <= 0.1 && httpNew === 0 && failed === 0 && done >= REQUESTS && opened >= WEBSOCKETS;
  console.log(ok ? "\nSOAK PASSED" : "\nSOAK FAILED");
  process.exitCode = ok ? 0 : 1;
  for (const c of wss.clients) c.terminate();
  server.close();
  server.closeAllConnections();
}

main()
  .catch((err) => {
    console.error(err);
    process.exitCode = 1;
  })
  .finally(() => stopAll());
