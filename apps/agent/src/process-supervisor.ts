import { type ChildProcess, spawn } from "node:child_process";
import { connect, createServer } from "node:net";
import { renderCommand, splitCommandTemplate } from "@weir/config/api";

/**
 * The agent's half of the `process` actuator: runs backend processes on this host from a command
 * template, one per port of a range. The controller decides how many; this module only starts,
 * watches and stops them, and says what happened. It knows nothing of the hub or the data plane:
 * adding a started backend to the pool (after its health checks pass, with slow start) and draining
 * one before `stop` are the caller's job.
 *
 * Start: the template is split into argv once, at construction (`splitCommandTemplate`: shell-like
 * quoting, no shell), and `{port}` / `{version}` are filled per process after splitting, so values
 * can never add arguments. The port is the next one of the range, after the last one handed out,
 * that no supervised process holds and that can be bound on `host` now; the rotation keeps a port
 * that was just freed (whose old address the data plane may still be draining) out of use for as
 * long as the range allows. Between that check and the backend's own bind another program may take
 * the port: the start then fails as any start does. A start succeeds once the port accepts a TCP
 * connection; it fails, with the process's last stderr lines, if the process exits first or
 * `startupTimeoutMs` passes (the process is then killed).
 *
 * Stop: SIGTERM, then SIGKILL after the grace period. Only the child itself is signalled, not its
 * descendants: point the template at the server (`node server.mjs`), not at a wrapper such as
 * `npm run`, which may not pass the signal on. Children stay in the agent's process group, so a
 * Ctrl-C in a terminal stops them with the agent.
 *
 * Exits: every exit of a process that had started is reported to `onExit`, with `expected: false`
 * when nobody asked for it (a crash, an OOM kill, someone else's SIGKILL); the process leaves the
 * list at once. Cost: one child per backend, a tail of at most `stderrLines` lines each; a start
 * probes the port every `probeIntervalMs` until it answers.
 */

export type SupervisedState = "starting" | "running" | "stopping";

export interface SupervisedProcess {
  port: number;
  host: string;
  pid: number;
  version: string;
  /** Epoch milliseconds. */
  startedAt: number;
  state: SupervisedState;
}

export interface ProcessExit {
  /** The process as it was when it exited. */
  process: SupervisedProcess;
  code: number | null;
  signal: NodeJS.Signals | null;
  /** True when `stop` (or `stopAll`) asked for it. */
  expected: boolean;
  /** Its last stderr lines, oldest first. */
  stderrTail: string[];
}

export type StartFailure = "no_free_port" | "spawn" | "exited" | "timeout";

export class ProcessStartError extends Error {
  readonly code = "WEIR_E_BACKEND_START_FAILED";
  constructor(
    readonly reason: StartFailure,
    message: string,
    readonly details: {
      port?: number;
      version: string;
      exitCode?: number | null;
      signal?: NodeJS.Signals | null;
      stderrTail: string[];
    },
  ) {
    super(message);
    this.name = "ProcessStartError";
  }
}

export interface ProcessSupervisorOptions {
  /** e.g. `node apps/demo/dist/backend.mjs --port {port} --version {version}`. */
  commandTemplate: string;
  portRange: { from: number; to: number };
  /** Where ports are checked and probed. Default 127.0.0.1. */
  host?: string;
  startupTimeoutMs: number;
  /** SIGTERM → SIGKILL. Default 10 s. */
  stopGraceMs?: number;
  cwd?: string;
  /** The children's environment. Default: the agent's. */
  env?: NodeJS.ProcessEnv;
  /** Stderr lines kept per process. Default 20. */
  stderrLines?: number;
  /** Default 100 ms. */
  probeIntervalMs?: number;
  onExit?: (exit: ProcessExit) => void;
}

interface Entry {
  info: SupervisedProcess;
  child: ChildProcess;
  tail: string[];
  expected: boolean;
  /** Resolves when the process has exited and its stderr is read. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stopping?: Promise<ProcessExit>;
}

const MAX_PARTIAL_LINE = 4096;

function canBind(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

function accepts(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once("connect", () => done(true));
    socket.once("error", () => done(false));
  });
}

const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class ProcessSupervisor {
  private readonly argv: string[];
  private readonly host: string;
  private readonly entries = new Map<number, Entry>();
  /** Ports being checked by a start in progress, so concurrent starts never pick the same one. */
  private readonly reserved = new Set<number>();
  private cursor: number;

  /** Throws when the command template or the port range is invalid. */
  constructor(private readonly options: ProcessSupervisorOptions) {
    this.argv = splitCommandTemplate(options.commandTemplate);
    const { from, to } = options.portRange;
    if (!Number.isInteger(from) || !Number.isInteger(to) || from < 1 || to > 65535 || from > to) {
      throw new RangeError(`portRange must be whole ports with 1 ≤ from ≤ to ≤ 65535, got ${from}..${to}`);
    }
    this.host = options.host ?? "127.0.0.1";
    this.cursor = from;
  }

  /** The supervised processes, by port. */
  list(): SupervisedProcess[] {
    return [...this.entries.values()].map((e) => ({ ...e.info })).sort((a, b) => a.port - b.port);
  }

  /** Starts `count` processes at once; each succeeds or fails on its own. */
  async startMany(
    count: number,
    version: string,
  ): Promise<{ started: SupervisedProcess[]; failed: ProcessStartError[] }> {
    const results = await Promise.allSettled(Array.from({ length: count }, () => this.start(version)));
    const started: SupervisedProcess[] = [];
    const failed: ProcessStartError[] = [];
    for (const r of results) {
      if (r.status === "fulfilled") started.push(r.value);
      else failed.push(r.reason as ProcessStartError);
    }
    return { started, failed };
  }

  /** Starts one process and resolves once its port accepts connections. Rejects with a ProcessStartError. */
  async start(version: string): Promise<SupervisedProcess> {
    const port = await this.reservePort(version);
    const { command, args } = renderCommand(this.argv, { port, version });
    let child: ChildProcess;
    try {
      child = spawn(command, args, {
        cwd: this.options.cwd,
        env: this.options.env ?? process.env,
        stdio: ["ignore", "ignore", "pipe"],
        shell: false,
      });
    } catch (error) {
      this.reserved.delete(port);
      throw new ProcessStartError("spawn", `could not start ${command}: ${(error as Error).message}`, {
        port,
        version,
        stderrTail: [],
      });
    }

    const tail: string[] = [];
    const keep = this.options.stderrLines ?? 20;
    let partial = "";
    child.stderr?.setEncoding("utf8");
    child.stderr?.on("data", (chunk: string) => {
      const lines = (partial + chunk).split("\n");
      partial = (lines.pop() ?? "").slice(-MAX_PARTIAL_LINE);
      for (const line of lines) {
        tail.push(line.replace(/\r$/, ""));
        if (tail.length > keep) tail.shift();
      }
    });
    const flushPartial = () => {
      if (partial) tail.push(partial);
      partial = "";
      if (tail.length > keep) tail.shift();
    };

    let spawnError: Error | undefined;
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
      let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
      let fallback: NodeJS.Timeout | undefined;
      const finish = () => {
        if (!exit) return;
        clearTimeout(fallback);
        flushPartial();
        resolve(exit);
      };
      child.once("error", (error) => {
        spawnError = error;
        exit ??= { code: null, signal: null };
        finish();
      });
      child.once("exit", (code, signal) => {
        exit = { code, signal };
        // stderr is complete at 'close'; a descendant holding it open must not hold up the report.
        fallback = setTimeout(finish, 1000);
      });
      child.once("close", finish);
    });

    const info: SupervisedProcess = {
      port,
      host: this.host,
      pid: child.pid ?? -1,
      version,
      startedAt: Date.now(),
      state: "starting",
    };
    const entry: Entry = { info, child, tail, expected: false, exited };
    this.entries.set(port, entry);
    this.reserved.delete(port);

    const failure = await this.waitUntilListening(entry);
    if (failure) {
      this.entries.delete(port);
      if (failure === "timeout") {
        child.kill("SIGKILL");
      }
      const exit = await exited;
      const what =
        failure === "timeout"
          ? `did not accept connections on ${this.host}:${port} within ${this.options.startupTimeoutMs} ms`
          : spawnError
            ? `could not start ${command}: ${spawnError.message}`
            : `exited before accepting connections (${exit.signal ? `signal ${exit.signal}` : `code ${exit.code}`})`;
      throw new ProcessStartError(spawnError ? "spawn" : failure, `backend ${version} on port ${port} ${what}`, {
        port,
        version,
        exitCode: exit.code,
        signal: exit.signal,
        stderrTail: [...tail],
      });
    }

    info.state = "running";
    void exited.then((exit) => {
      if (this.entries.get(port) === entry) this.entries.delete(port);
      this.options.onExit?.({ process: { ...info }, ...exit, expected: entry.expected, stderrTail: [...tail] });
    });
    return { ...info };
  }

  /**
   * Stops the process on `port`: SIGTERM, SIGKILL after `graceMs` (default the supervisor's
   * stopGraceMs). Resolves with its exit; undefined when no process holds that port. Stopping one
   * that is already stopping returns the same exit.
   */
  async stop(port: number, graceMs = this.options.stopGraceMs ?? 10_000): Promise<ProcessExit | undefined> {
    const entry = this.entries.get(port);
    if (!entry) return undefined;
    if (entry.stopping) return entry.stopping;
    entry.expected = true;
    entry.info.state = "stopping";
    entry.stopping = (async () => {
      entry.child.kill("SIGTERM");
      const escalate = setTimeout(() => entry.child.kill("SIGKILL"), graceMs);
      const exit = await entry.exited;
      clearTimeout(escalate);
      if (this.entries.get(port) === entry) this.entries.delete(port);
      return { process: { ...entry.info }, ...exit, expected: true, stderrTail: [...entry.tail] };
    })();
    return entry.stopping;
  }

  /** Stops every process (agent shutdown). */
  async stopAll(graceMs?: number): Promise<ProcessExit[]> {
    const exits = await Promise.all([...this.entries.keys()].map((port) => this.stop(port, graceMs)));
    return exits.filter((e): e is ProcessExit => e !== undefined);
  }

  private async reservePort(version: string): Promise<number> {
    const { from, to } = this.options.portRange;
    const size = to - from + 1;
    for (let i = 0; i < size; i++) {
      const port = from + ((this.cursor - from + i) % size);
      if (this.entries.has(port) || this.reserved.has(port)) continue;
      this.reserved.add(port);
      if (await canBind(this.host, port)) {
        this.cursor = port + 1 > to ? from : port + 1;
        return port;
      }
      this.reserved.delete(port);
    }
    throw new ProcessStartError("no_free_port", `no free port in ${from}..${to} on ${this.host}`, {
      version,
      stderrTail: [],
    });
  }

  /** undefined once the port accepts a connection; else why it never will. */
  private async waitUntilListening(entry: Entry): Promise<"exited" | "timeout" | undefined> {
    const { port } = entry.info;
    let exited = false;
    void entry.exited.then(() => {
      exited = true;
    });
    const deadline = Date.now() + this.options.startupTimeoutMs;
    const interval = this.options.probeIntervalMs ?? 100;
    while (!exited) {
      const left = deadline - Date.now();
      if (left <= 0) return "timeout";
      if (await accepts(this.host, port, Math.min(left, 1000))) return exited ? "exited" : undefined;
      await delay(Math.min(interval, Math.max(0, deadline - Date.now())));
    }
    return "exited";
  }
}
