import type { Server } from "node:http";
import { hostname } from "node:os";
import {
  AGENTS_NAMESPACE,
  type AgentLabels,
  type AgentToHubEvents,
  type ConfigPush,
  configPushSchema,
  type EngineConfig,
  type HubToAgentEvents,
  PROTOCOL_VERSION,
  refusalSchema,
  welcomeSchema,
} from "@weir/config";
import { createEngine, type Engine, type ListenerStatus, type Logger } from "@weir/proxy-engine";
import { io, type Socket } from "socket.io-client";
import { adminPort, closeServer, startAdmin } from "./admin";
import { ProcessActuator } from "./process-actuator";
import { SnapshotStore } from "./snapshot-store";
import { TelemetryReporter } from "./telemetry";

export interface ConnectedOptions {
  /** Control plane base URL, e.g. https://weir.example.com. */
  controlPlane: string;
  /** Enrollment token; sent in the handshake only, never logged. */
  token: string;
  name: string;
  labels: AgentLabels;
  /** Where the last applied config is kept. */
  dataDir: string;
  softwareVersion: string;
  logger: Logger;
  /** `host:port` of the admin endpoints; none when unset. */
  admin?: string | undefined;
  /** Reconnect back-off bounds (ms); exponential with ±50% jitter between them. */
  reconnectMinMs?: number;
  reconnectMaxMs?: number;
  /** Protocol version announced; tests use it to check refusals. */
  protocolVersion?: number;
  /** Called after each pushed version is applied and stored, just before its ack is sent. */
  onApplied?: (version: number, applyMs: number) => void;
}

export interface ConnectedAgent {
  readonly engine: Engine;
  /** Resolves when the hub has welcomed the agent (the first time). */
  readonly welcomed: Promise<void>;
  connected(): boolean;
  /** Last refusal or config error, for status pages and tests. */
  lastError(): string | undefined;
  adminPort(): number | undefined;
  close(): Promise<void>;
}

type HubSocket = Socket<HubToAgentEvents, AgentToHubEvents>;

/**
 * An agent fed by the control plane. It serves the last config from its data directory at once,
 * then connects out to the hub (`/agents`, WebSocket): the hub pushes the config version this
 * agent should run on connect and on every change; the agent validates and applies each one
 * atomically, writes it to disk and acks it, or nacks it with every problem named and keeps
 * running the previous one. Every second it reports per-backend counters, latency histograms
 * and health; health transitions go at once.
 *
 * When the control plane is unreachable the agent keeps serving and reconnects with exponential
 * back-off and jitter (Socket.IO's manager for transport failures; the same policy by hand when
 * the hub refused the handshake or disconnected the agent, which Socket.IO does not retry).
 */
export async function runConnected(options: ConnectedOptions): Promise<ConnectedAgent> {
  const { logger } = options;
  const engine = createEngine({ logger });
  const store = new SnapshotStore(options.dataDir);
  const minMs = options.reconnectMinMs ?? 500;
  const maxMs = options.reconnectMaxMs ?? 15_000;
  let lastError: string | undefined;
  let applyFailure: string | undefined;

  try {
    const stored = await store.load();
    if (stored !== undefined) {
      await engine.apply(stored.raw);
      logger.info("serving the last applied config from the data directory", {
        version: stored.version,
        path: store.path,
        listeners: engine.listenerInfo(),
      });
    } else {
      logger.info("no config in the data directory yet; waiting for the control plane", { path: store.path });
    }
  } catch (error) {
    applyFailure = describe(error);
    logger.error("the stored config could not be served; waiting for the control plane", {
      path: store.path,
      error: applyFailure,
    });
  }

  let admin: Server | undefined;
  const url = new URL(AGENTS_NAMESPACE, options.controlPlane).toString();
  const socket: HubSocket = io(url, {
    transports: ["websocket"],
    reconnectionDelay: minMs,
    reconnectionDelayMax: maxMs,
    randomizationFactor: 0.5,
    timeout: 10_000,
    auth: (cb) =>
      cb({
        token: options.token,
        name: options.name,
        labels: options.labels,
        softwareVersion: options.softwareVersion,
        protocolVersion: options.protocolVersion ?? PROTOCOL_VERSION,
        ...(engine.config ? { runningVersion: engine.config.version } : {}),
        address: hostname(),
      }),
  });

  let agentId: string | undefined;
  let telemetryTimer: NodeJS.Timeout | undefined;
  let manualRetry: NodeJS.Timeout | undefined;
  let manualAttempts = 0;
  let closed = false;
  let resolveWelcomed: () => void = () => {};
  const welcomed = new Promise<void>((resolve) => {
    resolveWelcomed = resolve;
  });
  const reporter = new TelemetryReporter();

  /** Socket.IO does not retry a refused handshake or a server-side disconnect: we do. */
  const retryLater = () => {
    if (closed || manualRetry !== undefined) return;
    const base = Math.min(maxMs, minMs * 2 ** manualAttempts++);
    const delay = base * (0.5 + Math.random());
    manualRetry = setTimeout(() => {
      manualRetry = undefined;
      if (!closed && !socket.connected) socket.connect();
    }, delay);
    manualRetry.unref();
  };

  socket.on("connect", () => {
    manualAttempts = 0;
    logger.info("connected to the control plane", { url });
  });

  socket.on("welcome", (payload) => {
    const parsed = welcomeSchema.safeParse(payload);
    if (!parsed.success) {
      logger.warn("ignored a malformed welcome from the hub", { issues: parsed.error.issues.length });
      return;
    }
    agentId = parsed.data.agentId;
    lastError = undefined;
    reporter.reset();
    scheduleTelemetry(parsed.data.telemetryIntervalMs);
    sendTelemetry();
    // The hub learnt the running version from the handshake; how its listeners are doing (a retry
    // may have bound one while we were apart) it learns from an ack. An apply under way acks itself.
    const running = engine.config?.version;
    if (running !== undefined && !applyingNow) ack(running);
    resolveWelcomed();
  });

  socket.on("connect_error", (error: Error & { data?: unknown }) => {
    const refusal = refusalSchema.safeParse(error.data);
    if (refusal.success) {
      lastError = `${refusal.data.code}: ${refusal.data.message}`;
      logger.error("the control plane refused this agent", {
        code: refusal.data.code,
        message: refusal.data.message,
        ...(refusal.data.supportedProtocolVersions
          ? { supportedProtocolVersions: refusal.data.supportedProtocolVersions }
          : {}),
      });
    } else {
      lastError = `cannot reach the control plane: ${error.message}`;
      logger.warn("cannot reach the control plane; serving the current config and retrying", {
        url,
        error: error.message,
      });
    }
    if (!socket.active) retryLater();
  });

  socket.on("disconnect", (reason) => {
    if (telemetryTimer !== undefined) clearTimeout(telemetryTimer);
    telemetryTimer = undefined;
    if (closed) return;
    logger.warn("disconnected from the control plane; serving the current config", { reason });
    if (!socket.active) retryLater();
  });

  // Configs are applied one at a time, in the order they arrive.
  let applying: Promise<void> = Promise.resolve();
  socket.on("config", (payload) => {
    applying = applying.then(() => applyPush(payload));
  });

  let applyingNow = false;
  /** What the last ack said of the listeners (`statusSummary`): a change is acked again. */
  let ackedStatus = "";
  const applyPush = async (payload: unknown): Promise<void> => {
    applyingNow = true;
    try {
      await applyPushNow(payload);
    } finally {
      applyingNow = false;
    }
  };
  const applyPushNow = async (payload: unknown): Promise<void> => {
    const parsed = configPushSchema.safeParse(payload);
    if (!parsed.success) {
      logger.warn("ignored a malformed config message from the hub", {
        issues: parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`),
      });
      return;
    }
    const push: ConfigPush = parsed.data;
    const started = performance.now();
    const running = engine.config?.version;
    if (push.config.version !== push.version) {
      nack(
        push.version,
        "WEIR_E_INVALID_CONFIG",
        `version: the config says ${String(push.config.version)}, the message ${push.version}`,
      );
      return;
    }
    let applied: EngineConfig;
    try {
      applied = await engine.apply(push.config);
    } catch (error) {
      nack(push.version, (error as { code?: string }).code ?? "WEIR_E_APPLY_FAILED", describe(error));
      return;
    }
    applyFailure = undefined;
    try {
      await store.save(applied.version, push.config);
    } catch (error) {
      // Running but not persisted: a restart would serve an older config until it reconnects.
      logger.error("applied config could not be written to the data directory", {
        path: store.path,
        error: (error as Error).message,
      });
    }
    const applyMs = performance.now() - started;
    if (running !== applied.version)
      logger.info("config applied", { version: applied.version, previous: running, applyMs: Math.round(applyMs) });
    options.onApplied?.(applied.version, applyMs);
    ack(applied.version, applyMs);
  };

  /** `applied`, or `partial` with every listener's status when some could not bind. */
  const ack = (version: number, applyMs?: number) => {
    const status = engine.listenerStatus();
    ackedStatus = statusSummary(status);
    const listeners = status.map((l) =>
      l.state === "serving"
        ? l
        : { name: l.name, state: l.state, reason: l.reason, ...(l.servingOn ? { servingOn: l.servingOn } : {}) },
    );
    const partial = listeners.some((l) => l.state === "failed");
    socket.emit("config:ack", {
      version,
      ...(applyMs !== undefined ? { applyMs } : {}),
      status: partial ? "partial" : "applied",
      listeners,
    });
  };
  // A listener bound on retry (or failing for another reason) changes what the running version's
  // ack said: ack it again. During an apply, the ack that ends it reports the status; while
  // disconnected, the ack after the next welcome does.
  engine.on("listeners", (status) => {
    if (statusSummary(status) === ackedStatus) return;
    const version = engine.config?.version;
    if (!applyingNow && version !== undefined && socket.connected) ack(version);
  });

  const nack = (version: number, code: string, reason: string) => {
    const running = engine.config?.version;
    logger.error("config refused; still running the previous one", { version, running, code, reason });
    socket.emit("config:nack", {
      version,
      ...(running !== undefined ? { running } : {}),
      code,
      reason: reason.slice(0, 8000),
    });
  };

  // The process scaling actuator: backend processes on this host, started and stopped by the hub.
  const processes = new ProcessActuator({
    logger,
    onExit: (exit) => {
      if (socket.connected) socket.emit("process:exited", exit);
    },
  });
  socket.on("process:start", (payload, ack) => {
    void processes.start(payload).then((reply) => typeof ack === "function" && ack(reply));
  });
  socket.on("process:stop", (payload, ack) => {
    void processes.stop(payload).then((reply) => typeof ack === "function" && ack(reply));
  });

  engine.on("health", (event) => {
    if (!socket.connected) return;
    socket.emit("health", { transitions: [{ ...event, reason: event.reason.slice(0, 500) }] });
  });

  /**
   * Reports on the wall-clock second (every agent in step, so the hub's per-second series add
   * whole intervals), re-aimed at each tick so timer drift does not accumulate.
   */
  function scheduleTelemetry(intervalMs: number): void {
    if (telemetryTimer !== undefined) clearTimeout(telemetryTimer);
    const next = () => {
      telemetryTimer = setTimeout(
        () => {
          sendTelemetry();
          next();
        },
        intervalMs - (Date.now() % intervalMs) + 5,
      );
      telemetryTimer.unref();
    };
    next();
  }

  function sendTelemetry(): void {
    if (!socket.connected) return;
    const report = reporter.next(engine.metrics.snapshot(), engine.health());
    // Volatile: a report that cannot be written now is stale by the next one; drop it.
    if (report !== undefined) socket.volatile.emit("telemetry", report);
  }

  if (options.admin !== undefined) {
    admin = await startAdmin({
      listen: options.admin,
      engine,
      readiness: () =>
        engine.config !== undefined
          ? { ready: true }
          : { ready: false, reason: applyFailure ?? "no config applied yet: waiting for the control plane" },
      status: () => ({
        mode: "connected",
        controlPlane: options.controlPlane,
        connected: socket.connected,
        agentId: agentId ?? null,
        name: options.name,
        labels: options.labels,
        lastError: lastError ?? null,
      }),
    });
  }

  return {
    engine,
    welcomed,
    connected: () => socket.connected,
    lastError: () => lastError,
    adminPort: () => adminPort(admin),
    close: async () => {
      closed = true;
      if (telemetryTimer !== undefined) clearTimeout(telemetryTimer);
      if (manualRetry !== undefined) clearTimeout(manualRetry);
      socket.close();
      await processes.stopAll();
      await applying;
      await closeServer(admin);
      await engine.close();
    },
  };
}

function statusSummary(status: readonly ListenerStatus[]): string {
  return JSON.stringify(status.map((l) => [l.name, l.state, l.state === "failed" ? l.reason : ""]));
}

/** One line per problem for config errors (their `issues`), the message otherwise. */
function describe(error: unknown): string {
  const e = error as Error & { code?: string; issues?: readonly string[] };
  if (Array.isArray(e.issues) && e.issues.length > 0) return e.issues.join("\n");
  return e.message;
}
