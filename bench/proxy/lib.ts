import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { createConnection } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const work = mkdtempSync(join(tmpdir(), "weir-bench-"));

function which(cmd: string): string | undefined {
  for (const dir of (process.env.PATH ?? "").split(":").concat(["/usr/sbin", "/sbin"])) {
    if (existsSync(join(dir, cmd))) return join(dir, cmd);
  }
  return undefined;
}

export type Tool = "nginx" | "haproxy" | "wrk";
const PACKAGE: Record<Tool, string> = { nginx: "nginx-light", haproxy: "haproxy", wrk: "wrk" };

/** The tools asked for (nginx, haproxy and wrk by default): installed with apt when missing and running as root, else explained. */
export function ensureTools<T extends Tool = Tool>(
  needed: readonly T[] = ["nginx", "haproxy", "wrk"] as T[],
): Record<T, string> {
  const find = () => Object.fromEntries(needed.map((t) => [t, which(t)])) as Record<T, string | undefined>;
  let tools = find();
  const missing = () => needed.filter((t) => tools[t] === undefined);
  if (missing().length > 0) {
    const packages = missing().map((t) => PACKAGE[t]);
    if (process.getuid?.() === 0) {
      console.log(`installing ${packages.join(", ")} with apt-get…`);
      execFileSync("apt-get", ["update", "-qq"], { stdio: "inherit" });
      execFileSync("apt-get", ["install", "-y", "-qq", ...packages], {
        stdio: "inherit",
        env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
      });
      tools = find();
    }
    if (missing().length > 0) {
      console.error(
        `This needs ${needed.join(", ")}. Install them, e.g.: sudo apt-get install ${needed.map((t) => PACKAGE[t]).join(" ")}`,
      );
      process.exit(1);
    }
  }
  return tools as Record<T, string>;
}

const children = new Set<ChildProcess>();

/** Starts a process we own; it is stopped by its pid in stopAll(). */
export function start(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}): ChildProcess {
  const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ...env } });
  let err = "";
  child.stderr?.on("data", (c: Buffer) => {
    err += c.toString();
  });
  child.on("exit", (code) => {
    children.delete(child);
    if (code && code !== 0 && code !== 143)
      console.error(`${cmd} ${args.join(" ")} exited ${code}: ${err.slice(-2000)}`);
  });
  children.add(child);
  return child;
}

function signal(child: ChildProcess, name: NodeJS.Signals): void {
  try {
    process.kill(child.pid as number, name);
  } catch {
    // already gone
  }
}

export async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  await new Promise<void>((resolve) => {
    const timer = setTimeout(() => signal(child, "SIGKILL"), 3000);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve();
    });
    signal(child, "SIGTERM");
  });
}

export async function stopAll(): Promise<void> {
  await Promise.all([...children].map(stop));
}

export async function waitForPort(port: number, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = createConnection(port, "127.0.0.1");
      s.once("connect", () => {
        s.destroy();
        resolve(true);
      });
      s.once("error", () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on ${port}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export function nginxConf(name: string, body: string): string {
  const dir = join(work, name);
  execFileSync("mkdir", ["-p", dir]);
  const file = join(dir, "nginx.conf");
  writeFileSync(
    file,
    `worker_processes 1;
daemon off;
error_log ${dir}/error.log warn;
pid ${dir}/nginx.pid;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  keepalive_requests 1000000;
  ${body}
}
`,
  );
  return file;
}

export interface WrkResult {
  rps: number;
  /** Requests completed in the run (wrk's "N requests in"). */
  requests: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
}

/** Clock ticks per second of /proc's utime and stime (`getconf CLK_TCK`; 100 on Linux). */
const TICKS_PER_SECOND = 100;

/**
 * CPU time (user + system, all threads) used so far by a process and every descendant (NGINX's
 * worker is its master's child), in microseconds, from /proc. Unlike req/s this barely moves
 * when other work competes for the cores: it counts the work the proxy did, not how long it
 * waited for a core. Resolution is one clock tick (10 ms), so runs must be seconds long.
 */
export function cpuMicros(pid: number): number {
  let ticks = 0;
  const stack = [pid];
  while (stack.length > 0) {
    const p = stack.pop() as number;
    try {
      // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
      const stat = readFileSync(`/proc/${p}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      ticks += Number(fields[11]) + Number(fields[12]);
      for (const task of readdirSync(`/proc/${p}/task`)) {
        const children = readFileSync(`/proc/${p}/task/${task}/children`, "utf8").trim();
        if (children !== "") for (const c of children.split(" ")) stack.push(Number(c));
      }
    } catch {
      // exited meanwhile
    }
  }
  return (ticks * 1_000_000) / TICKS_PER_SECOND;
}

function toMs(value: string): number {
  const m = /^([\d.]+)(us|ms|s)$/.exec(value.trim());
  if (!m) return Number.NaN;
  const n = Number(m[1]);
  return m[2] === "us" ? n / 1000 : m[2] === "s" ? n * 1000 : n;
}

/** wrk over keep-alive connections; `delayMs` paces each connection (fixed-rate runs). */
export function wrk(
  wrkPath: string,
  url: string,
  options: { seconds: number; connections: number; delayMs?: number },
): WrkResult {
  const args = ["-t1", `-c${options.connections}`, `-d${options.seconds}s`, "--latency"];
  if (options.delayMs !== undefined) {
    const script = join(work, `delay-${options.delayMs}.lua`);
    writeFileSync(script, `function delay() return ${options.delayMs} end\n`);
    args.push("-s", script);
  }
  const out = execFileSync(wrkPath, [...args, url], { encoding: "utf8" });
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]);
  const requests = Number(/(\d+) requests in/.exec(out)?.[1] ?? 0);
  const p50 = /\s50%\s+(\S+)/.exec(out)?.[1] ?? "";
  const p99 = /\s99%\s+(\S+)/.exec(out)?.[1] ?? "";
  const errors =
    Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(out)?.[1] ?? 0) +
    [...out.matchAll(/(connect|read|write|timeout) (\d+)/g)].reduce((s, m) => s + Number(m[2]), 0);
  return { rps, requests, p50Ms: toMs(p50), p99Ms: toMs(p99), errors };
}
