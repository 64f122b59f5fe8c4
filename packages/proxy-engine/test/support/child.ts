import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

export interface EngineProcess {
  readonly port: number;
  readonly child: ChildProcess;
  /** Resident set size now, and its peak since start (VmHWM), in bytes. */
  rss(): number;
  peakRss(): number;
  /** RSS and V8 heap in use, after a full collection in the engine process. */
  settledMemory(): Promise<{ rss: number; heapUsed: number }>;
  stop(): Promise<void>;
}

function statusField(pid: number, field: string): number {
  const match = readFileSync(`/proc/${pid}/status`, "utf8").match(new RegExp(`^${field}:\\s+(\\d+) kB`, "m"));
  return Number(match?.[1] ?? 0) * 1024;
}

export function spawnEngine(config: unknown): Promise<EngineProcess> {
  const script = fileURLToPath(new URL("./engine-process.ts", import.meta.url));
  // MALLOC_ARENA_MAX as docs/proxy-engine.md recommends for the agent: with glibc's default of
  // 8 arenas per core, buffers freed by other threads stay resident and inflate RSS.
  const child = spawn(process.execPath, ["--expose-gc", "--import", "tsx", script, JSON.stringify(config)], {
    stdio: ["ignore", "pipe", "inherit"],
    env: { MALLOC_ARENA_MAX: "2", ...process.env },
  });
  return new Promise((resolve, reject) => {
    let buffered = "";
    const waiters: Array<(line: string) => void> = [];
    let started = false;
    child.once("error", reject);
    child.once("exit", (code) => reject(new Error(`engine process exited with ${code}`)));
    child.stdout?.on("data", (c: Buffer) => {
      buffered += c.toString();
      for (let nl = buffered.indexOf("\n"); nl !== -1; nl = buffered.indexOf("\n")) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        if (started) {
          waiters.shift()?.(line);
          continue;
        }
        started = true;
        const { port } = JSON.parse(line) as { port: number };
        const pid = child.pid as number;
        resolve({
          port,
          child,
          rss: () => statusField(pid, "VmRSS"),
          peakRss: () => statusField(pid, "VmHWM"),
          settledMemory: () =>
            new Promise((r) => {
              waiters.push((l) => r(JSON.parse(l) as { rss: number; heapUsed: number }));
              child.kill("SIGUSR1");
            }),
          stop: () =>
            new Promise<void>((r) => {
              child.removeAllListeners("exit");
              child.once("exit", () => r());
              child.kill("SIGTERM");
            }),
        });
      }
    });
  });
}
