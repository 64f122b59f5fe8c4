import {
  configAckSchema,
  configNackSchema,
  type HealthTransition,
  healthReportSchema,
  PROTOCOL_VERSION,
  type ProcessExited,
  processExitedSchema,
  telemetrySchema,
} from "@weir/config";
import type { Db } from "@weir/db";
import type { z } from "zod";
import { failedListeners } from "../domain/agents/listener-failures";
import { LogThrottle } from "../log-throttle";
import { AgentRefused, authenticateAgent } from "./authenticate-agent";
import type { ConfigDistributor } from "./config-distributor";
import type { TelemetryAggregator } from "./telemetry-aggregator";
import type { AgentSocket, AgentsNamespace, HubLogger } from "./types";

export interface AgentChannelDeps {
  db: Db;
  agents: AgentsNamespace;
  /** True once the hub is shutting down: the database may be going away with it; stay quiet. */
  closing: () => boolean;
  distributor: ConfigDistributor;
  aggregator: TelemetryAggregator;
  logger: HubLogger;
  telemetryIntervalMs: number;
  /** Something the dashboard lists about agents changed. */
  onAgentsChanged: () => void;
  /** A config version was acked or refused by an agent. */
  onAck: (agent: { agentId: string; name: string }, version: number) => void;
  onHealth: (event: HealthTransition & { agentId: string; agent: string }) => void;
  /** A process the agent ran for a scaling rule exited on its own. */
  onProcessExit?: (agent: { agentId: string; name: string }, exit: ProcessExited) => void;
  /** Agents whose reports arrived since the last flush: their lastSeenAt moves forward. */
  seen: Set<string>;
  stats: { malformed: number; telemetry: number };
}

function firstIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  return `${issue?.path.join(".") || "(payload)"}: ${issue?.message ?? "invalid"}`;
}

/**
 * The `/agents` namespace: authentication in the handshake, then config pushes, acks and nacks,
 * telemetry and health events. Every payload is parsed with its schema; a malformed one is
 * dropped, counted and logged (throttled), and never reaches the aggregator or the database.
 */
export function attachAgentChannel(deps: AgentChannelDeps): void {
  const { db, agents, logger } = deps;
  // At most one line per agent and kind of problem per minute: a broken agent must not flood the log.
  const throttle = new LogThrottle();
  // An agent's row writes run one after another in the order its messages came: acks for
  // versions 37 and 38 sent a millisecond apart must not land as 38 then 37.
  // Each write catches its own errors; the catch here is a backstop, so that one failing can
  // never stop the agent's later writes.
  const pending = new Map<string, Promise<void>>();
  const inOrder = (agentId: string, write: () => Promise<void>) => {
    const next = (pending.get(agentId) ?? Promise.resolve())
      .then(write)
      .catch((error: Error) => logger.warn(`could not record agent ${agentId}'s state: ${error.message}`));
    pending.set(agentId, next);
    void next.finally(() => {
      if (pending.get(agentId) === next) pending.delete(agentId);
    });
  };

  agents.use((socket, next) => {
    authenticateAgent({ db, auth: socket.handshake.auth, ip: socket.handshake.address })
      .then(({ handshake, agentId, tokenId, registeredVersion }) => {
        socket.data.agentId = agentId;
        socket.data.registeredVersion = registeredVersion;
        socket.data.name = handshake.name;
        socket.data.labels = handshake.labels;
        socket.data.tokenId = tokenId;
        socket.data.pools = [];
        if (handshake.runningVersion !== undefined) socket.data.applied = handshake.runningVersion;
        next();
      })
      .catch((error: unknown) => {
        const refusal =
          error instanceof AgentRefused
            ? error.refusal
            : {
                code: "WEIR_E_UNAVAILABLE" as const,
                message: "the control plane could not register the agent; retrying",
              };
        if (!(error instanceof AgentRefused)) logger.error(`agent registration failed: ${(error as Error).message}`);
        const name = (socket.handshake.auth as { name?: unknown } | undefined)?.name;
        if (throttle.allow(`refuse:${String(name)}:${refusal.code}`))
          logger.warn(
            `refused agent ${typeof name === "string" ? JSON.stringify(name.slice(0, 63)) : "(unnamed)"} from ${socket.handshake.address}: ${refusal.code}: ${refusal.message}`,
          );
        next(Object.assign(new Error(refusal.message), { data: refusal }));
      });
  });

  agents.on("connection", (socket: AgentSocket) => {
    const { agentId, name } = socket.data;
    // One connection per agent: a restarted agent replaces its old, half-open connection.
    for (const other of agents.sockets.values()) {
      if (other.id !== socket.id && other.data.agentId === agentId) other.disconnect(true);
    }
    logger.info(`agent ${name} connected from ${socket.handshake.address}`);
    socket.emit("welcome", {
      agentId,
      protocolVersion: PROTOCOL_VERSION,
      telemetryIntervalMs: deps.telemetryIntervalMs,
    });
    deps.distributor.pushTo(socket);
    deps.onAgentsChanged();

    const malformed = (kind: string, error: z.ZodError) => {
      deps.stats.malformed++;
      if (throttle.allow(`${agentId}:${kind}`))
        logger.warn(`dropped a malformed ${kind} message from agent ${name}: ${firstIssue(error)}`);
    };

    socket.on("config:ack", (payload) => {
      const parsed = configAckSchema.safeParse(payload);
      if (!parsed.success) return malformed("config:ack", parsed.error);
      const { version, status, listeners } = parsed.data;
      const failures = status === "partial" ? failedListeners(listeners) : [];
      if (failures.length > 0 && throttle.allow(`${agentId}:partial:${version}`))
        logger.warn(
          `agent ${name} applied config version ${version} in part: ${failures.map((f) => `${f.name}: ${f.reason}`).join("; ")}`,
        );
      socket.data.applied = version;
      deps.onAck({ agentId, name }, version);
      // A newer version running makes an older refusal history, whichever connection refused it.
      if (socket.data.rejected !== undefined && socket.data.rejected <= version) socket.data.rejected = undefined;
      const seenAt = new Date();
      inOrder(agentId, () =>
        db
          .$transaction([
            db.agent.updateMany({
              where: { id: agentId },
              data: { appliedConfigVersion: version, listenerFailures: failures, lastSeenAt: seenAt },
            }),
            db.agent.updateMany({
              where: { id: agentId, rejectedConfigVersion: { lte: version } },
              data: { rejectedConfigVersion: null, lastError: null, lastErrorAt: null },
            }),
          ])
          .then(() => deps.onAgentsChanged())
          .catch((error: Error) => logger.warn(`could not record agent ${name}'s ack: ${error.message}`)),
      );
    });

    socket.on("config:nack", (payload) => {
      const parsed = configNackSchema.safeParse(payload);
      if (!parsed.success) return malformed("config:nack", parsed.error);
      const { version, code, reason } = parsed.data;
      socket.data.rejected = version;
      if (parsed.data.running !== undefined) socket.data.applied = parsed.data.running;
      logger.warn(`agent ${name} refused config version ${version} (${code}): ${reason.split("\n").join("; ")}`);
      deps.onAck({ agentId, name }, version);
      inOrder(agentId, () =>
        db.agent
          .updateMany({
            where: { id: agentId },
            data: {
              rejectedConfigVersion: version,
              lastError: `${code}: ${reason}`.slice(0, 8_000),
              lastErrorAt: new Date(),
              ...(parsed.data.running !== undefined ? { appliedConfigVersion: parsed.data.running } : {}),
            },
          })
          .then(() => deps.onAgentsChanged())
          .catch((error: Error) => logger.warn(`could not record agent ${name}'s refusal: ${error.message}`)),
      );
    });

    socket.on("telemetry", (payload) => {
      const parsed = telemetrySchema.safeParse(payload);
      if (!parsed.success) return malformed("telemetry", parsed.error);
      deps.stats.telemetry++;
      deps.aggregator.ingest(agentId, parsed.data);
      deps.seen.add(agentId);
    });

    socket.on("health", (payload) => {
      const parsed = healthReportSchema.safeParse(payload);
      if (!parsed.success) return malformed("health", parsed.error);
      for (const t of parsed.data.transitions) {
        deps.aggregator.health(agentId, t);
        deps.onHealth({ agentId, agent: name, ...t });
      }
    });

    socket.on("process:exited", (payload) => {
      const parsed = processExitedSchema.safeParse(payload);
      if (!parsed.success) return malformed("process:exited", parsed.error);
      logger.warn(
        `agent ${name}: the process on port ${parsed.data.port} of scaling rule ${parsed.data.rule} exited on its own (${parsed.data.signal ? `signal ${parsed.data.signal}` : `code ${parsed.data.exitCode}`})`,
      );
      deps.onProcessExit?.({ agentId, name }, parsed.data);
    });

    socket.on("disconnect", (reason) => {
      deps.aggregator.forgetAgent(agentId);
      logger.info(`agent ${name} disconnected (${reason})`);
      // Its last reports must not mark it connected again.
      deps.seen.delete(agentId);
      // Written only while no newer connection of the agent (on any replica) has registered:
      // each registration bumps the row's version.
      const { registeredVersion } = socket.data;
      inOrder(agentId, async () => {
        await db.agent
          .updateMany({
            where: { id: agentId, version: registeredVersion },
            data: { connected: false, lastSeenAt: new Date() },
          })
          .then(() => deps.onAgentsChanged())
          .catch((error: Error) => {
            if (!deps.closing()) logger.warn(`could not record agent ${name}'s disconnection: ${error.message}`);
          });
      });
    });
  });
}
