import { z } from "zod";
import { histogramSnapshotSchema } from "../dataplane/histogram";
import { backendHealthStateSchema, statusCountsSchema } from "../dataplane/metrics";

/**
 * The agent ↔ hub contract (Socket.IO namespace `/agents`). Every payload has a schema here and is
 * parsed on receipt on both sides: the types alone validate nothing that arrives from the network.
 *
 * Protocol versions: the agent sends the one it speaks in its handshake; the hub accepts the
 * versions in SUPPORTED_PROTOCOL_VERSIONS and refuses the rest with a message naming them.
 */
export const PROTOCOL_VERSION = 2;
/** 1: acks carry no listener status (taken as "applied"). 2: acks say `applied` or `partial`. */
export const SUPPORTED_PROTOCOL_VERSIONS: readonly number[] = [1, 2];

/** Namespace the agents connect to. */
export const AGENTS_NAMESPACE = "/agents";

/** An agent's name: a DNS-like label, as agents register and scaling rules name them. */
export const agentNameSchema = z
  .string()
  .min(1, "must not be empty")
  .max(63, "must be at most 63 characters")
  .regex(/^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/, "must be lower-case letters, digits, '.' and '-'");

const labelKey = z
  .string()
  .min(1)
  .max(63)
  .regex(/^[A-Za-z0-9]([A-Za-z0-9._/-]*[A-Za-z0-9])?$/, "must be letters, digits, '.', '_', '/' and '-'");
const labelValue = z
  .string()
  .max(63)
  .regex(/^[A-Za-z0-9._-]*$/, "must be letters, digits, '.', '_' and '-'");

export const agentLabelsSchema = z
  .record(labelKey, labelValue)
  .refine((labels) => Object.keys(labels).length <= 32, "at most 32 labels");
export type AgentLabels = z.output<typeof agentLabelsSchema>;

/** `env=prod,zone=a` → `{ env: "prod", zone: "a" }`; throws naming the bad pair. */
export function parseLabels(text: string): AgentLabels {
  const labels: Record<string, string> = {};
  for (const pair of text.split(",")) {
    const trimmed = pair.trim();
    if (trimmed === "") continue;
    const eq = trimmed.indexOf("=");
    if (eq <= 0) throw new Error(`label "${trimmed}" must be key=value`);
    labels[trimmed.slice(0, eq)] = trimmed.slice(eq + 1);
  }
  const parsed = agentLabelsSchema.safeParse(labels);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`label ${issue?.path.join(".") ?? ""}: ${issue?.message ?? "invalid"}`);
  }
  return parsed.data;
}

/** True when every key of `selector` is a label of the agent with the same value ({} selects all). */
export function selectorMatches(selector: Readonly<Record<string, string>>, labels: AgentLabels): boolean {
  for (const [key, value] of Object.entries(selector)) if (labels[key] !== value) return false;
  return true;
}

/** Socket.IO handshake `auth` of an agent. The token is checked against its hash and never logged. */
export const agentHandshakeSchema = z.strictObject({
  token: z.string().min(1, "is required").max(256),
  name: agentNameSchema,
  labels: agentLabelsSchema.default({}),
  softwareVersion: z.string().min(1).max(64),
  protocolVersion: z.int().min(0),
  /** Config version the agent serves right now (from its data directory), if any. */
  runningVersion: z.int().min(0).optional(),
  /** Where operators can reach the agent's listeners (its host name or address). */
  address: z.string().max(253).optional(),
});
export type AgentHandshake = z.output<typeof agentHandshakeSchema>;

/** Error `data` the hub attaches when it refuses a connection. */
export const refusalSchema = z.strictObject({
  code: z.enum(["WEIR_E_AGENT_UNAUTHORIZED", "WEIR_E_PROTOCOL_VERSION", "WEIR_E_BAD_HANDSHAKE", "WEIR_E_UNAVAILABLE"]),
  message: z.string(),
  supportedProtocolVersions: z.array(z.int()).optional(),
});
export type Refusal = z.output<typeof refusalSchema>;

/** hub → agent, once connected. */
export const welcomeSchema = z.strictObject({
  agentId: z.string(),
  protocolVersion: z.int(),
  /** How often the hub wants telemetry, in ms. */
  telemetryIntervalMs: z.int().min(100).max(60_000),
});
export type Welcome = z.output<typeof welcomeSchema>;

/**
 * hub → agent: the config this agent should run. `config` is the engine config as the control
 * plane compiled it for this agent's labels; the agent validates it with the engine's own schema
 * (parseEngineConfig) and answers with an ack or a nack naming every problem.
 */
export const configPushSchema = z.strictObject({
  version: z.int().min(0),
  config: z.record(z.string(), z.unknown()),
});
export type ConfigPush = z.output<typeof configPushSchema>;

/**
 * One listener of an applied config, as the agent's engine runs it. `failed`: its address could
 * not be bound (another program holds the port); the agent retries it with back-off and, where
 * the listener had an address before, still serves its routes there (`servingOn`).
 */
export const listenerApplyStatusSchema = z.discriminatedUnion("state", [
  z.strictObject({ name: z.string().max(63), state: z.literal("serving") }),
  z.strictObject({
    name: z.string().max(63),
    state: z.literal("failed"),
    reason: z.string().max(500),
    servingOn: z.string().max(300).optional(),
  }),
]);
export type ListenerApplyStatus = z.output<typeof listenerApplyStatusSchema>;

/**
 * agent → hub: `version` validated, committed in one step and written to the data directory.
 * - `applied`: every listener serves;
 * - `partial`: everything committed except the listeners marked `failed` in `listeners`, which
 *   the agent keeps retrying; it sends another ack for the same version when that changes.
 * A config that cannot be applied at all is refused with `config:nack` instead.
 */
export const configAckSchema = z.strictObject({
  version: z.int().min(0),
  /** Time the agent took from receipt to ack, in ms. */
  applyMs: z.number().min(0).optional(),
  status: z.enum(["applied", "partial"]).default("applied"),
  listeners: z.array(listenerApplyStatusSchema).max(1000).default([]),
});
export type ConfigAck = z.output<typeof configAckSchema>;

/** agent → hub: `version` refused; the agent keeps running `running`. */
export const configNackSchema = z.strictObject({
  version: z.int().min(0),
  running: z.int().min(0).optional(),
  code: z.string().max(64),
  /** One line per problem, `field.path: what is wrong` where the problem is a field. */
  reason: z.string().max(8_000),
});
export type ConfigNack = z.output<typeof configNackSchema>;

/** Per backend, counters are differences over the interval; gauges are values at its end. */
export const backendTelemetrySchema = z.strictObject({
  pool: z.string().max(63),
  backend: z.string().max(63),
  version: z.string().max(64),
  health: backendHealthStateSchema,
  /** Why it is in that state (failing check, ejected, draining...). */
  reason: z.string().max(500),
  requests: statusCountsSchema,
  retries: z.int().min(0),
  ejections: z.int().min(0),
  /** Requests in flight at the end of the interval. */
  active: z.int().min(0),
  connectionsOpen: z.int().min(0),
  latency: histogramSnapshotSchema,
});
export type BackendTelemetry = z.output<typeof backendTelemetrySchema>;

export const poolTelemetrySchema = z.strictObject({
  pool: z.string().max(63),
  requests: statusCountsSchema,
  retries: z.int().min(0),
  active: z.int().min(0),
  panic: z.boolean(),
  latency: histogramSnapshotSchema,
});
export type PoolTelemetry = z.output<typeof poolTelemetrySchema>;

/** agent → hub, every `telemetryIntervalMs`. */
export const telemetrySchema = z.strictObject({
  /** Increments by one per report; a gap means reports were lost (while disconnected). */
  seq: z.int().min(0),
  /** Unix ms at the end of the interval, on the agent's clock. */
  at: z.number().min(0),
  intervalMs: z.int().min(1).max(3_600_000),
  configVersion: z.int().min(0),
  pools: z.array(poolTelemetrySchema).max(10_000),
  backends: z.array(backendTelemetrySchema).max(100_000),
});
export type Telemetry = z.output<typeof telemetrySchema>;

/** agent → hub, at once: backends whose health changed, with the reason. */
export const healthTransitionSchema = z.strictObject({
  pool: z.string().max(63),
  backend: z.string().max(63),
  from: backendHealthStateSchema,
  to: backendHealthStateSchema,
  reason: z.string().max(500),
  /** Unix ms on the agent's clock. */
  at: z.number().min(0),
});
export type HealthTransition = z.output<typeof healthTransitionSchema>;
export const healthReportSchema = z.strictObject({ transitions: z.array(healthTransitionSchema).min(1).max(10_000) });
export type HealthReport = z.output<typeof healthReportSchema>;

// ---------------------------------------------------------------------------------------------
// Process actuator: the autoscaler asks one agent to start and stop backend processes on its host.
// Commands travel with a Socket.IO acknowledgement; the reply is the agent's answer. The agent
// checks the command template itself (it is the one that runs it); the hub only forwards what a
// scaling rule holds.

/** A scaling rule's id: the agent keeps one set of processes per rule. */
const ruleId = z.string().min(1).max(64);
const stderrTail = z.array(z.string().max(4096)).max(100);

/** hub → agent: start `count` processes of `version` from the template, each on a free port of the range. */
export const processStartSchema = z.strictObject({
  rule: ruleId,
  commandTemplate: z.string().min(1).max(2000),
  portRange: z.strictObject({ from: z.int().min(1).max(65535), to: z.int().min(1).max(65535) }),
  /** Where the processes bind and are probed, and the address the pool reaches them at. */
  host: z.string().min(1).max(253),
  version: z.string().min(1).max(64),
  count: z.int().min(1).max(1000),
  startupTimeoutMs: z.int().min(100).max(600_000),
  stopGraceMs: z.int().min(0).max(600_000),
});
export type ProcessStart = z.output<typeof processStartSchema>;

/** A process the agent supervises for a rule. */
export const supervisedProcessSchema = z.strictObject({
  host: z.string().max(253),
  port: z.int().min(1).max(65535),
  pid: z.int(),
  version: z.string().max(64),
  state: z.enum(["starting", "running", "stopping"]),
});
export type SupervisedProcessInfo = z.output<typeof supervisedProcessSchema>;

/** One process that did not start, with its last stderr lines. */
export const processStartFailureSchema = z.strictObject({
  code: z.literal("WEIR_E_BACKEND_START_FAILED"),
  reason: z.enum(["no_free_port", "spawn", "exited", "timeout"]),
  message: z.string().max(2000),
  port: z.int().min(1).max(65535).optional(),
  stderr: stderrTail,
});
export type ProcessStartFailure = z.output<typeof processStartFailureSchema>;

/**
 * agent → hub, the acknowledgement of `process:start`: the processes that accept connections now
 * (the only ones the pool may use), those that failed, and every process the rule has on the agent.
 * `error` when the command was refused whole (a template the agent cannot run).
 */
export const processStartReplySchema = z.strictObject({
  started: z.array(supervisedProcessSchema).max(1000),
  failed: z.array(processStartFailureSchema).max(1000),
  running: z.array(supervisedProcessSchema).max(65535),
  error: z.strictObject({ code: z.string().max(64), message: z.string().max(2000) }).optional(),
});
export type ProcessStartReply = z.output<typeof processStartReplySchema>;

/** hub → agent: stop the rule's process on `port` (SIGTERM, SIGKILL after `graceMs`). */
export const processStopSchema = z.strictObject({
  rule: ruleId,
  port: z.int().min(1).max(65535),
  graceMs: z.int().min(0).max(600_000),
});
export type ProcessStop = z.output<typeof processStopSchema>;

/** agent → hub, the acknowledgement of `process:stop`; `stopped` false when no process held the port. */
export const processStopReplySchema = z.strictObject({
  stopped: z.boolean(),
  exitCode: z.int().nullable().optional(),
  signal: z.string().max(32).nullable().optional(),
  running: z.array(supervisedProcessSchema).max(65535),
});
export type ProcessStopReply = z.output<typeof processStopReplySchema>;

/** agent → hub, at once: a rule's process exited without being asked to (crash, OOM kill...). */
export const processExitedSchema = z.strictObject({
  rule: ruleId,
  host: z.string().max(253),
  port: z.int().min(1).max(65535),
  version: z.string().max(64),
  exitCode: z.int().nullable(),
  signal: z.string().max(32).nullable(),
  stderr: stderrTail,
  /** Unix ms on the agent's clock. */
  at: z.number().min(0),
});
export type ProcessExited = z.output<typeof processExitedSchema>;

/** Events the hub sends to an agent. */
export interface HubToAgentEvents {
  welcome: (payload: Welcome) => void;
  config: (payload: ConfigPush) => void;
  "process:start": (payload: ProcessStart, ack: (reply: ProcessStartReply) => void) => void;
  "process:stop": (payload: ProcessStop, ack: (reply: ProcessStopReply) => void) => void;
}

/** Events an agent sends to the hub. */
export interface AgentToHubEvents {
  "config:ack": (payload: ConfigAck) => void;
  "config:nack": (payload: ConfigNack) => void;
  telemetry: (payload: Telemetry) => void;
  health: (payload: HealthReport) => void;
  "process:exited": (payload: ProcessExited) => void;
}
