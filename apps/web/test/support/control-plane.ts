import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { freePort } from "@weir/db/testing";

// The built control plane and agent, run as a user would (node dist/…): real processes, real
// signals, real Postgres. `npm test` builds first.
const webDir = fileURLToPath(new URL("../..", import.meta.url));
export const repoRoot = join(webDir, "..", "..");
export const serverEntry = join(webDir, "dist", "server.mjs");
export const agentEntry = join(repoRoot, "apps", "agent", "dist", "main.mjs");

export function assertBuilt(): void {
  for (const entry of [serverEntry, agentEntry])
    if (!existsSync(entry)) throw new Error(`${entry} is missing: run \`npm run build\` first.`);
}

export interface RunningProcess {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
  /** SIGKILL unless it has exited. */
  kill(): Promise<void>;
}

export interface RunningServer extends RunningProcess {
  port: number;
  url: string;
}

export function run(
  command: string,
  args: string[],
  env: Record<string, string>,
  cleanups: Array<() => Promise<void>>,
  cwd: string = repoRoot,
): RunningProcess {
  const child = spawn(command, args, {
    cwd,
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (chunk) => (output += chunk));
  child.stderr?.on("data", (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  const kill = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGKILL");
      await exited;
    }
  };
  cleanups.push(kill);
  return { child, output: () => output, exited, kill };
}

export async function startServer(
  env: Record<string, string>,
  cleanups: Array<() => Promise<void>>,
  port?: number,
): Promise<RunningServer> {
  const p = port ?? (await freePort());
  const proc = run(
    process.execPath,
    [serverEntry],
    { PORT: String(p), HOST: "127.0.0.1", DATABASE_URL: "", WEIR_ADMIN_PASSWORD: "", ...env },
    cleanups,
  );
  const server = { ...proc, port: p, url: `http://127.0.0.1:${p}` };
  await waitFor(async () => (await health(server)).status === 200, server.output);
  return server;
}

export async function health(server: { port: number }): Promise<{ status: number; body: Record<string, unknown> }> {
  try {
    const response = await fetch(`http://127.0.0.1:${server.port}/api/health`);
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  } catch {
    return { status: 0, body: {} };
  }
}

export async function waitFor(
  condition: () => Promise<boolean> | boolean,
  describe: () => string,
  timeoutMs = 45_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`condition not met in ${timeoutMs} ms; output so far:\n${describe()}`);
}
