/**
 * Weir as benchmarked: one process, the engine with one HTTP listener and one pool.
 * `WEIR_BENCH_ENGINE` loads another copy of the engine (a path to its `src/index.ts`, e.g. a
 * checkout of the previous commit) so a change can be measured against it in one run.
 */

import { pathToFileURL } from "node:url";
import type * as Weir from "@weir/proxy-engine";

const enginePath = process.env.WEIR_BENCH_ENGINE;
const { createEngine } = (await import(
  enginePath === undefined ? "@weir/proxy-engine" : pathToFileURL(enginePath).href
)) as typeof Weir;

const [port, ...backends] = process.argv.slice(2).map(Number);
const algorithm = process.env.WEIR_BENCH_ALGORITHM ?? "round_robin";
const engine = createEngine({ upstream: process.env.WEIR_BENCH_UPSTREAM === "undici" ? "undici" : "native" });
await engine.apply({
  version: 1,
  listeners: [{ name: "web", bind: { host: "127.0.0.1", port }, routes: [{ name: "all", pool: "p" }] }],
  pools: [
    {
      name: "p",
      algorithm,
      healthCheck: { type: "http", path: "/", intervalMs: 5000 },
      backends: backends.map((b, i) => ({
        id: `b${i}`,
        address: { host: "127.0.0.1", port: b },
        weight: Number(process.env.WEIR_BENCH_WEIGHTS?.split(",")[i] ?? 1),
      })),
    },
  ],
});
process.stdout.write("ready\n");
// The soak measures retained memory: it asks for a full collection before reading RSS.
const gc = (globalThis as { gc?: () => void }).gc;
if (gc !== undefined) process.on("SIGUSR2", () => gc());
process.on("SIGTERM", () => void engine.close().then(() => process.exit(0)));
