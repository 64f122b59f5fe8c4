/**
 * The engine alone in its own process, for measurements that must not include the test's client
 * and backends (memory growth, RSS trend). Reads the config as JSON from argv[2], prints
 * `{"port": n}` once listening, exits on SIGTERM.
 */
import { createEngine } from "../../src";

const engine = createEngine();
await engine.apply(JSON.parse(process.argv[2] ?? "{}"));
process.stdout.write(`${JSON.stringify({ port: engine.port("web"), pid: process.pid })}\n`);
// Memory tests read RSS after a full collection (retained memory, not garbage): see child.ts.
const gc = (globalThis as { gc?: () => void }).gc;
if (gc !== undefined) {
  process.on("SIGUSR1", () => {
    gc();
    const { rss, heapUsed } = process.memoryUsage();
    process.stdout.write(`${JSON.stringify({ rss, heapUsed })}\n`);
  });
}
process.on("SIGTERM", () => {
  void engine.close().then(() => process.exit(0));
});

// Diagnostics for memory tests: peak of each memoryUsage field, printed to stderr on SIGUSR2.
if (process.env.WEIR_TEST_MEMTRACE === "1") {
  const peak: Record<string, number> = {};
  setInterval(() => {
    for (const [k, v] of Object.entries(process.memoryUsage())) peak[k] = Math.max(peak[k] ?? 0, v >> 20);
  }, 5).unref();
  process.on("SIGUSR2", () =>
    process.stderr.write(
      `peak MB ${JSON.stringify(peak)} now ${JSON.stringify(Object.fromEntries(Object.entries(process.memoryUsage()).map(([k, v]) => [k, v >> 20])))}\n`,
    ),
  );
}
