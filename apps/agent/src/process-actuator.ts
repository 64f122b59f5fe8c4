import {
  type ProcessExited,
  type ProcessStart,
  type ProcessStartReply,
  type ProcessStopReply,
  processStartSchema,
  processStopSchema,
  type SupervisedProcessInfo,
} from "@weir/config";
import type { Logger } from "@weir/proxy-engine";
import { type ProcessExit, ProcessStartError, ProcessSupervisor, type SupervisedProcess } from "./process-supervisor";

/**
 * The agent's side of the `process` scaling actuator: it runs the hub's `process:start` and
 * `process:stop` commands with one ProcessSupervisor per scaling rule, and reports processes that
 * exit on their own. It decides nothing: the control plane chooses how many, adds a started
 * backend to its pool only once the process accepts connections (the supervisor waits for that),
 * and drains a backend before it asks for `stop`.
 *
 * A rule whose template, port range or host changes gets a new supervisor for new starts; the
 * old one keeps its processes until they are stopped, so an edit never kills a serving backend.
 *
 * The children inherit the agent's environment without the agent's own secrets (the enrollment
 * token), and its working directory.
 */
export interface ProcessActuatorOptions {
  logger: Logger;
  /** A supervised process exited without being asked to. */
  onExit: (exit: ProcessExited) => void;
  /** Default: the agent's, without WEIR_AGENT_TOKEN. */
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

interface RuleProcesses {
  /** Newest last; starts go to the last one. */
  supervisors: Array<{ key: string; supervisor: ProcessSupervisor }>;
}

const HIDDEN_ENV = ["WEIR_AGENT_TOKEN"];

export class ProcessActuator {
  private readonly rules = new Map<string, RuleProcesses>();
  private readonly env: NodeJS.ProcessEnv;

  constructor(private readonly options: ProcessActuatorOptions) {
    const env = { ...(options.env ?? process.env) };
    for (const key of HIDDEN_ENV) delete env[key];
    this.env = env;
  }

  /** `process:start`. Never throws: a refused command comes back as `error`. */
  async start(payload: unknown): Promise<ProcessStartReply> {
    const parsed = processStartSchema.safeParse(payload);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      return this.refuse("", `${issue?.path.join(".") || "(payload)"}: ${issue?.message ?? "invalid"}`);
    }
    const command = parsed.data;
    let supervisor: ProcessSupervisor;
    try {
      supervisor = this.supervisorFor(command);
    } catch (error) {
      return this.refuse(command.rule, `commandTemplate: ${(error as Error).message}`);
    }
    const { started, failed } = await supervisor.startMany(command.count, command.version);
    for (const f of failed)
      this.options.logger.warn("a backend process did not start", {
        rule: command.rule,
        port: f.details.port,
        error: f.message,
        stderr: f.details.stderrTail.slice(-5),
      });
    if (started.length > 0)
      this.options.logger.info("backend processes started", {
        rule: command.rule,
        ports: started.map((p) => p.port),
      });
    return {
      started: started.map(info),
      failed: failed.map((f) => ({
        code: "WEIR_E_BACKEND_START_FAILED" as const,
        reason: f instanceof ProcessStartError ? f.reason : "spawn",
        message: f.message.slice(0, 2000),
        ...(f.details.port !== undefined ? { port: f.details.port } : {}),
        stderr: f.details.stderrTail.slice(-20).map((line) => line.slice(0, 4096)),
      })),
      running: this.list(command.rule),
    };
  }

  /** `process:stop`. Never throws. */
  async stop(payload: unknown): Promise<ProcessStopReply> {
    const parsed = processStopSchema.safeParse(payload);
    if (!parsed.success) return { stopped: false, running: [] };
    const { rule, port, graceMs } = parsed.data;
    for (const { supervisor } of this.rules.get(rule)?.supervisors ?? []) {
      const exit = await supervisor.stop(port, graceMs);
      if (exit === undefined) continue;
      this.options.logger.info("backend process stopped", { rule, port, code: exit.code, signal: exit.signal });
      this.prune(rule);
      return { stopped: true, exitCode: exit.code, signal: exit.signal, running: this.list(rule) };
    }
    return { stopped: false, running: this.list(rule) };
  }

  /** Every process of a rule, by port. */
  list(rule: string): SupervisedProcessInfo[] {
    return (this.rules.get(rule)?.supervisors ?? [])
      .flatMap(({ supervisor }) => supervisor.list())
      .map(info)
      .sort((a, b) => a.port - b.port);
  }

  /** Agent shutdown: every process gets its SIGTERM (and SIGKILL after its grace). */
  async stopAll(): Promise<void> {
    const all = [...this.rules.values()].flatMap((r) => r.supervisors.map((s) => s.supervisor));
    this.rules.clear();
    await Promise.all(all.map((s) => s.stopAll()));
  }

  private supervisorFor(command: ProcessStart): ProcessSupervisor {
    const key = JSON.stringify([command.commandTemplate, command.portRange, command.host, command.startupTimeoutMs]);
    let entry = this.rules.get(command.rule);
    if (entry === undefined) {
      entry = { supervisors: [] };
      this.rules.set(command.rule, entry);
    }
    const last = entry.supervisors[entry.supervisors.length - 1];
    if (last?.key === key) return last.supervisor;
    const supervisor = new ProcessSupervisor({
      commandTemplate: command.commandTemplate,
      portRange: command.portRange,
      host: command.host,
      startupTimeoutMs: command.startupTimeoutMs,
      stopGraceMs: command.stopGraceMs,
      env: this.env,
      ...(this.options.cwd !== undefined ? { cwd: this.options.cwd } : {}),
      onExit: (exit) => this.exited(command.rule, exit),
    });
    // Another range may overlap the old one: ports the old supervisor holds are skipped because
    // they cannot be bound, and it keeps stopping its own.
    entry.supervisors.push({ key, supervisor });
    return supervisor;
  }

  private exited(rule: string, exit: ProcessExit): void {
    this.prune(rule);
    if (exit.expected) return;
    this.options.logger.warn("a backend process exited on its own", {
      rule,
      port: exit.process.port,
      code: exit.code,
      signal: exit.signal,
      stderr: exit.stderrTail.slice(-5),
    });
    this.options.onExit({
      rule,
      host: exit.process.host,
      port: exit.process.port,
      version: exit.process.version,
      exitCode: exit.code,
      signal: exit.signal,
      stderr: exit.stderrTail.slice(-20).map((line) => line.slice(0, 4096)),
      at: Date.now(),
    });
  }

  /** Drops supervisors that hold nothing and are not the newest. */
  private prune(rule: string): void {
    const entry = this.rules.get(rule);
    if (entry === undefined) return;
    entry.supervisors = entry.supervisors.filter(
      (s, i) => i === entry.supervisors.length - 1 || s.supervisor.list().length > 0,
    );
  }

  private refuse(rule: string, message: string): ProcessStartReply {
    this.options.logger.warn("refused a process:start command", { rule, error: message });
    return {
      started: [],
      failed: [],
      running: rule ? this.list(rule) : [],
      error: { code: "WEIR_E_BACKEND_START_FAILED", message: message.slice(0, 2000) },
    };
  }
}

function info(p: SupervisedProcess): SupervisedProcessInfo {
  return { host: p.host, port: p.port, pid: p.pid, version: p.version, state: p.state };
}
