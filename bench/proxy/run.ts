/**
 * `npm run bench:proxy`: one backend (a Node http process answering 12 bytes), then, one after the other in
 * the same run, Weir, NGINX (1 worker), HAProxy (1 thread), node-http-proxy, @fastify/http-proxy and
 * a bare undici Pool proxy in front of it, each driven by wrk (1 thread, keep-alive connections).
 * Prints req/s, p50, p99 and Weir's ratio to each; then p99 added latency at half NGINX's maximum
 * rate, and a 3:2:1 weighted split over 6,000 requests. Compare ratios, never absolute numbers: the
 * 2-core machine runs the load generator, the proxy and the backend at once.
 *
 * Each proxy runs ROUNDS times, the rounds interleaved (weir, nginx, …, weir, nginx, …), and the
 * median round counts for every proxy alike (and the spread is printed): on a shared 2-core VM a
 * single run swings by ±15%, so one round proves nothing and the best round flatters.
 *
 * Beside req/s, every run reads the CPU time (user + system) the proxy process used during it from
 * /proc and divides by the requests served: CPU µs per request. On a shared machine req/s also
 * measures how often the proxy waited for a core; CPU per request measures the work it did, so it
 * is the figure to compare when other work runs at the same time.
 *
 * Env: BENCH_SECONDS (default 10), BENCH_ROUNDS (3), BENCH_CONNECTIONS (64), BENCH_ONLY (comma
 * list of names), BENCH_PORT_BASE (19100: backend, proxies on the next ports), WEIR_BENCH_UPSTREAM
 * (native | undici: Weir's upstream client), WEIR_BENCH_BASELINE (path to another copy of the
 * engine's `src/index.ts`, e.g. the last commit's: run as `weir-baseline` beside Weir, for a
 * before/after in one run).
 */

import { writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Agent, request } from "undici";
import { cpuMicros, ensureTools, nginxConf, start, stop, stopAll, type WrkResult, waitForPort, work, wrk } from "./lib";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 64);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const ONLY = process.env.BENCH_ONLY?.split(",");
const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
const BASE = Number(process.env.BENCH_PORT_BASE ?? 19100);
const BASELINE = process.env.WEIR_BENCH_BASELINE;
const PORT = {
  backend: BASE,
  weir: BASE + 1,
  nginx: BASE + 2,
  haproxy: BASE + 3,
  "node-http-proxy": BASE + 4,
  "fastify-http-proxy": BASE + 5,
  "undici-pool": BASE + 6,
  "weir-baseline": BASE + 7,
  split: BASE + 10,
};

const tools = ensureTools();

function nodeServer(script: string, port: number, backends: number[], env: NodeJS.ProcessEnv = {}) {
  return start(
    process.execPath,
    ["--import", "tsx", here(`./servers/${script}`), String(port), ...backends.map(String)],
    {
      MALLOC_ARENA_MAX: "2",
      ...env,
    },
  );
}

const proxies: Array<{ name: string; port: number; launch: () => ReturnType<typeof start> }> = [
  {
    name: "weir",
    port: PORT.weir,
    launch: () =>
      nodeServer("weir.ts", PORT.weir, [PORT.backend], {
        WEIR_BENCH_UPSTREAM: process.env.WEIR_BENCH_UPSTREAM ?? "native",
      }),
  },
  ...(BASELINE === undefined
    ? []
    : [
        {
          name: "weir-baseline",
          port: PORT["weir-baseline"],
          launch: () =>
            nodeServer("weir.ts", PORT["weir-baseline"], [PORT.backend], {
              WEIR_BENCH_UPSTREAM: process.env.WEIR_BENCH_UPSTREAM ?? "native",
              WEIR_BENCH_ENGINE: BASELINE,
            }),
        },
      ]),
  {
    name: "nginx",
    port: PORT.nginx,
    launch: () =>
      start(tools.nginx, [
        "-c",
        nginxConf(
          "nginx-proxy",
          `upstream b { server 127.0.0.1:${PORT.backend}; keepalive 64; }
  server { listen 127.0.0.1:${PORT.nginx};
    location / { proxy_pass http://b; proxy_http_version 1.1; proxy_set_header Connection ""; } }`,
        ),
      ]),
  },
  {
    name: "haproxy",
    port: PORT.haproxy,
    launch: () => {
      const cfg = join(work, "haproxy.cfg");
      writeFileSync(
        cfg,
        `global
  nbthread 1
  maxconn 4000
defaults
  mode http
  timeout connect 5s
  timeout client 30s
  timeout server 30s
  http-reuse always
frontend f
  bind 127.0.0.1:${PORT.haproxy}
  default_backend b
backend b
  server s1 127.0.0.1:${PORT.backend}
`,
      );
      return start(tools.haproxy, ["-f", cfg, "-db"]);
    },
  },
  {
    name: "node-http-proxy",
    port: PORT["node-http-proxy"],
    launch: () => nodeServer("node-http-proxy.ts", PORT["node-http-proxy"], [PORT.backend]),
  },
  {
    name: "fastify-http-proxy",
    port: PORT["fastify-http-proxy"],
    launch: () => nodeServer("fastify-proxy.ts", PORT["fastify-http-proxy"], [PORT.backend]),
  },
  {
    name: "undici-pool",
    port: PORT["undici-pool"],
    launch: () => nodeServer("undici-pool.ts", PORT["undici-pool"], [PORT.backend]),
  },
];

interface Run extends WrkResult {
  /** CPU time the proxy process (and its children) used per request served, in µs. */
  cpuUs: number;
}

/** A warm-up, then the measured run; `pid` is the process whose CPU time is counted. */
async function measure(
  port: number,
  pid: number | undefined,
  options: { delayMs?: number; connections?: number } = {},
): Promise<Run> {
  const url = `http://127.0.0.1:${port}/`;
  wrk(tools.wrk, url, { seconds: 3, connections: options.connections ?? CONNECTIONS, delayMs: options.delayMs });
  const cpuBefore = pid === undefined ? 0 : cpuMicros(pid);
  const r = wrk(tools.wrk, url, {
    seconds: SECONDS,
    connections: options.connections ?? CONNECTIONS,
    delayMs: options.delayMs,
  });
  const cpu = pid === undefined ? Number.NaN : cpuMicros(pid) - cpuBefore;
  return { ...r, cpuUs: cpu / Math.max(1, r.requests) };
}

/** The round with the median req/s (upper median for an even count). */
function median(rs: Run[]): Run {
  const sorted = [...rs].sort((a, b) => a.rps - b.rps);
  return sorted[Math.floor(sorted.length / 2)] as Run;
}

/** Median CPU µs per request over the rounds, taken on its own (it need not be the req/s median round's). */
function medianCpu(rs: Run[]): number {
  const sorted = rs.map((r) => r.cpuUs).sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

async function withProxy<T>(p: (typeof proxies)[number], fn: (pid: number | undefined) => Promise<T>): Promise<T> {
  const child = p.launch();
  try {
    await waitForPort(p.port);
    return await fn(child.pid);
  } finally {
    await stop(child);
  }
}

/** 3:2:1 over 6,000 requests: counts per backend, for smooth WRR and weighted random. */
async function weightedSplit(algorithm: string): Promise<number[]> {
  const counts = [0, 0, 0];
  const servers = await Promise.all(
    [0, 1, 2].map(
      (i) =>
        new Promise<ReturnType<typeof createServer>>((resolve) => {
          const s = createServer((req, res) => {
            counts[i] = (counts[i] ?? 0) + 1;
            req.resume();
            res.end(String(i));
          });
          s.listen(0, "127.0.0.1", () => resolve(s));
        }),
    ),
  );
  const ports = servers.map((s) => (s.address() as AddressInfo).port);
  const port = PORT.split;
  const child = nodeServer("weir.ts", port, ports, { WEIR_BENCH_ALGORITHM: algorithm, WEIR_BENCH_WEIGHTS: "3,2,1" });
  const agent = new Agent({ connections: 16 });
  try {
    await waitForPort(port);
    // The health checks also count: reset after the first round of them.
    await new Promise((r) => setTimeout(r, 300));
    counts.fill(0);
    let sent = 0;
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (sent < 6000) {
          sent++;
          const res = await request(`http://127.0.0.1:${port}/`, { dispatcher: agent });
          await res.body.dump();
        }
      }),
    );
  } finally {
    await agent.close();
    await stop(child);
    for (const s of servers) s.close();
  }
  return counts;
}

async function main(): Promise<void> {
  const backend = nodeServer("backend.ts", PORT.backend, []);
  await waitForPort(PORT.backend);
  console.log(
    `node ${process.version}, ${SECONDS}s per run, wrk -t1 -c${CONNECTIONS}, backend: one Node http process answering 12 bytes\n`,
  );

  const direct = await measure(PORT.backend, backend.pid);
  const rounds = new Map<string, Run[]>();
  for (let round = 1; round <= ROUNDS; round++) {
    for (const p of proxies) {
      if (ONLY && !ONLY.includes(p.name)) continue;
      const r = await withProxy(p, (pid) => measure(p.port, pid));
      rounds.set(p.name, [...(rounds.get(p.name) ?? []), r]);
      console.log(
        `  round ${round}  ${p.name.padEnd(20)} ${r.rps.toFixed(0).padStart(7)} req/s  p99 ${r.p99Ms.toFixed(2)} ms  ${r.cpuUs.toFixed(1).padStart(6)} CPU µs/req${r.errors ? `  (${r.errors} errors)` : ""}`,
      );
    }
  }

  const results = new Map<string, Run>();
  const cpu = new Map<string, number>();
  for (const [name, rs] of rounds) {
    results.set(name, median(rs));
    cpu.set(name, medianCpu(rs));
  }
  const weir = results.get("weir");
  const weirCpu = cpu.get("weir");
  console.log(
    `\nMedian of ${ROUNDS} rounds (req/s: the round whose req/s is the median, range in brackets; CPU µs per request: median on its own):`,
  );
  console.log(
    "| proxy | req/s | req/s range | p50 ms | p99 ms | CPU µs/req | CPU range | Weir ÷ proxy (req/s) | proxy CPU ÷ Weir CPU |",
  );
  console.log("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
  console.log(
    `| (backend direct) | ${direct.rps.toFixed(0)} | | ${direct.p50Ms.toFixed(2)} | ${direct.p99Ms.toFixed(2)} | ${direct.cpuUs.toFixed(1)} | | | |`,
  );
  for (const [name, r] of results) {
    const ratio = weir && name !== "weir" ? `${(weir.rps / r.rps).toFixed(2)}×` : "";
    const all = (rounds.get(name) ?? []).map((x) => x.rps);
    const range = `${Math.min(...all).toFixed(0)}–${Math.max(...all).toFixed(0)}`;
    const c = cpu.get(name) as number;
    const cpus = (rounds.get(name) ?? []).map((x) => x.cpuUs);
    const cpuRange = `${Math.min(...cpus).toFixed(1)}–${Math.max(...cpus).toFixed(1)}`;
    const cpuRatio = weirCpu !== undefined && name !== "weir" ? `${(c / weirCpu).toFixed(2)}×` : "";
    console.log(
      `| ${name} | ${r.rps.toFixed(0)} | ${range} | ${r.p50Ms.toFixed(2)} | ${r.p99Ms.toFixed(2)} | ${c.toFixed(1)} | ${cpuRange} | ${ratio} | ${cpuRatio} |`,
    );
  }

  const nginx = results.get("nginx");
  if (weir && nginx) {
    // Fixed rate: each connection waits `delay` ms between requests, so the rate is about
    // connections × 1000 / (delay + latency); wrk reports the rate it reached.
    const target = nginx.rps / 2;
    // 4 ms pauses over ~100 connections: enough connections to reach the rate, few enough that
    // wrk itself does not saturate the machine and dominate the tail.
    const delayMs = 4;
    const connections = Math.max(1, Math.round((target * (delayMs + 1)) / 1000));
    const paced = { delayMs, connections };
    const byName = (name: string) => proxies.find((p) => p.name === name) as (typeof proxies)[number];
    const base = await measure(PORT.backend, undefined, paced);
    const atHalf = await withProxy(byName("weir"), (pid) => measure(PORT.weir, pid, paced));
    const nginxAtHalf = await withProxy(byName("nginx"), (pid) => measure(PORT.nginx, pid, paced));
    console.log(
      `\nAt half NGINX's maximum (${target.toFixed(0)} req/s target; ${connections} connections, ${delayMs} ms pause each):`,
    );
    console.log("| path | req/s reached | p50 ms | p99 ms | p99 added by the proxy |");
    console.log("| --- | ---: | ---: | ---: | ---: |");
    console.log(`| backend direct | ${base.rps.toFixed(0)} | ${base.p50Ms.toFixed(2)} | ${base.p99Ms.toFixed(2)} | |`);
    console.log(
      `| weir | ${atHalf.rps.toFixed(0)} | ${atHalf.p50Ms.toFixed(2)} | ${atHalf.p99Ms.toFixed(2)} | ${(atHalf.p99Ms - base.p99Ms).toFixed(2)} ms |`,
    );
    console.log(
      `| nginx | ${nginxAtHalf.rps.toFixed(0)} | ${nginxAtHalf.p50Ms.toFixed(2)} | ${nginxAtHalf.p99Ms.toFixed(2)} | ${(nginxAtHalf.p99Ms - base.p99Ms).toFixed(2)} ms |`,
    );
  }
  await stop(backend);

  if (!ONLY || ONLY.includes("split")) {
    console.log("\nWeighted split 3:2:1 over 6,000 requests (ideal 3000 / 2000 / 1000):");
    for (const algorithm of ["weighted_round_robin", "random", "p2c_least_request"]) {
      const counts = await weightedSplit(algorithm);
      console.log(`  ${algorithm.padEnd(22)} ${counts.join(" / ")}`);
    }
  }
  if (weir) {
    const goals = [
      ["≥ 2× node-http-proxy", "node-http-proxy", 2],
      ["≥ 0.6× NGINX", "nginx", 0.6],
    ] as const;
    console.log("");
    for (const [label, name, want] of goals) {
      const other = results.get(name);
      if (other)
        console.log(
          `  goal ${label}: ${(weir.rps / other.rps).toFixed(2)}× ${weir.rps / other.rps >= want ? "met" : "NOT met"} (by CPU per request: ${((cpu.get(name) as number) / (weirCpu as number)).toFixed(2)}×)`,
        );
    }
  }
}

main()
  .catch((err) => {
    console.error(err);
    process.exitCode = 1;
  })
  .finally(() => stopAll());
