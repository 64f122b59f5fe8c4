import { AGENTS_NAMESPACE, LIVE_NAMESPACE, type OverviewTick, type PoolTick } from "@weir/config";
import { type Db, type LeaderLoop, listenForNotifications, type NotificationListener, runWhileLeader } from "@weir/db";
import type { Server } from "socket.io";
import { CONFIG_CHANNEL } from "../domain/config/commit-change";
import { STICKY_KEYS_CHANNEL } from "../domain/sticky-keys/sticky-keys";
import { attachAgentChannel } from "./agent-channel";
import {
  type AgentCommand,
  type AgentCommandPayload,
  type AgentCommandReply,
  type ProcessExitListener,
  sendAgentCommand,
} from "./agent-commands";
import { ConfigDistributor, type LatestVersion } from "./config-distributor";
import { attachLiveChannel, poolRoom } from "./live-channel";
import { compactAndExpire, DEFAULT_RETENTION, type RetentionPolicy, writeRollups } from "./rollup-store";
import type { StoredSnapshot } from "./select-config";
import { TelemetryAggregator, type VersionWindow } from "./telemetry-aggregator";
import {
  type AgentSocket,
  type AgentsNamespace,
  type HubLogger,
  type LiveNamespace,
  ROLLOUT_CHANNEL,
  SCALING_CHANNEL,
  TOKEN_REVOKED_CHANNEL,
} from "./types";

/** Advisory lock key of the housekeeping leader (rollup compaction, retention, stale agents). */
const HOUSEKEEPING_LOCK = 0x57_45_49_53;

export interface HubOptions {
  io: Server;
  db: Db;
  /** For the LISTEN connection and leader election. */
  databaseUrl: string;
  logger: HubLogger;
  telemetryIntervalMs?: number;
  retention?: RetentionPolicy;
  /** How often the latest version is polled in case a NOTIFY was missed (ms). */
  pollMs?: number;
}

export interface AgentView {
  agentId: string;
  name: string;
  applied: number | undefined;
  rejected: number | undefined;
  pools: string[];
}

export interface Hub {
  /** The latest config version this replica knows. */
  latestVersion(): number | undefined;
  /** Agents connected to this replica. */
  agents(): AgentView[];
  /**
   * Resolves when every agent connected to this replica that serves `pool` (every agent when
   * omitted) has acked or refused `version` or newer, or after `timeoutMs`: the answer says which.
   */
  waitForAcks(
    version: number,
    options?: { pool?: string; timeoutMs?: number },
  ): Promise<{ complete: boolean; pending: string[] }>;
  /** The last minutes of per-second ticks of a pool, merged across this replica's agents. */
  poolHistory(pool: string): PoolTick[];
  /** One version's traffic in a pool over a window of closed seconds (rollout analysis). */
  versionWindow(pool: string, version: string, fromMs: number, toMs: number): VersionWindow;
  /** Unix ms up to which the live per-second data is complete (about 1.25 s behind the clock). */
  liveUntil(): number;
  stats(): { telemetry: number; malformed: number; agents: number };
  /**
   * Sends a command (the process actuator's start and stop) to the agent named `name` connected to
   * this replica and resolves with its parsed answer. Rejects with an AgentCommandError
   * (`WEIR_E_AGENT_NOT_CONNECTED`) when no such agent is connected here or it does not answer in time.
   */
  sendToAgent<E extends AgentCommand>(
    name: string,
    event: E,
    payload: AgentCommandPayload<E>,
    timeoutMs: number,
  ): Promise<AgentCommandReply<E>>;
  /** Calls `listener` for each process an agent of this replica reports as exited on its own. Returns an unsubscribe. */
  onProcessExit(listener: ProcessExitListener): () => void;
  close(): Promise<void>;
}

/**
 * The control plane's Socket.IO hub: agents on `/agents`, browsers on `/live`.
 *
 * Config flow: a change commits a config version and NOTIFYs; every replica's hub hears it (LISTEN
 * on a dedicated connection, plus a slow poll in case a notification was lost), reads the newest
 * version once and pushes each of its agents the part its labels select. Telemetry flow: agents
 * report every second; the aggregator merges the reports into per-second series pushed to the
 * browsers watching each pool, and into 10-second rollups written to Postgres. One replica (the
 * housekeeping leader) compacts rollups into 5-minute rows and expires old ones.
 */
export function createHub(options: HubOptions): Hub {
  const { io, db, logger } = options;
  const agents = io.of(AGENTS_NAMESPACE) as AgentsNamespace;
  const live = io.of(LIVE_NAMESPACE) as LiveNamespace;
  const telemetryIntervalMs = options.telemetryIntervalMs ?? 1000;
  const retention = options.retention ?? DEFAULT_RETENTION;
  const aggregator = new TelemetryAggregator();
  const distributor = new ConfigDistributor(db, agents, logger);
  const stats = { malformed: 0, telemetry: 0 };
  const seen = new Set<string>();
  const ackWaiters = new Set<() => void>();
  const processExitListeners = new Set<ProcessExitListener>();
  let closed = false;

  const poolIds = new Map<string, string>();
  const refreshPoolIds = async () => {
    const pools = await db.pool.findMany({ select: { id: true, name: true } });
    poolIds.clear();
    for (const p of pools) poolIds.set(p.name, p.id);
  };

  let agentCounts: OverviewTick["agents"] = { online: 0, total: 0, onLatest: 0, latestVersion: null };
  const refreshAgentCounts = async () => {
    const rows = await db.agent.findMany({ select: { connected: true, appliedConfigVersion: true } });
    const latest = distributor.current()?.number ?? null;
    const online = rows.filter((r) => r.connected);
    agentCounts = {
      online: online.length,
      total: rows.length,
      onLatest: online.filter((r) => latest !== null && r.appliedConfigVersion === latest).length,
      latestVersion: latest,
    };
  };
  // Coalesced notifications: a burst of changes is one browser notification per interval.
  const coalescers: Array<{ cancel(): void }> = [];
  const coalesce = (ms: number, fire: () => void) => {
    let timer: NodeJS.Timeout | undefined;
    const c = {
      trigger: () => {
        if (timer !== undefined) return;
        timer = setTimeout(() => {
          timer = undefined;
          fire();
        }, ms);
      },
      cancel: () => {
        if (timer !== undefined) clearTimeout(timer);
      },
    };
    coalescers.push(c);
    return c.trigger;
  };
  // An ack storm after a push is one refresh and one notification.
  const onAgentsChanged = coalesce(100, () => {
    live.emit("invalidate", { scope: "agents" });
    void refreshAgentCounts().catch(() => {});
  });
  // A rollout ticking every second changes its row often.
  const onRolloutChanged = coalesce(250, () => live.emit("invalidate", { scope: "rollouts" }));
  // The autoscaler writes a decision a second per rule at most.
  const onScalingChanged = coalesce(250, () => live.emit("invalidate", { scope: "scaling" }));

  distributor.onNewVersion((latest: LatestVersion) => {
    aggregator.setKnownPools(knownPools(latest.snapshot));
    live.emit("invalidate", { scope: "config", configVersion: latest.number });
    void refreshPoolIds().catch(() => {});
    onAgentsChanged();
  });

  attachAgentChannel({
    db,
    agents,
    closing: () => closed,
    distributor,
    aggregator,
    logger,
    telemetryIntervalMs,
    onAgentsChanged,
    onAck: () => {
      for (const wake of [...ackWaiters]) wake();
    },
    onProcessExit: (agent, exit) => {
      for (const listener of processExitListeners) listener(agent, exit);
    },
    onHealth: (event) => {
      live.to(poolRoom(event.pool)).emit("health", {
        pool: event.pool,
        backend: event.backend,
        agent: event.agent,
        from: event.from,
        to: event.to,
        reason: event.reason,
        at: event.at,
      });
      const poolId = poolIds.get(event.pool);
      if (poolId === undefined) return;
      void db.healthEvent
        .create({
          data: {
            poolId,
            backendId: event.backend,
            agentId: event.agentId,
            healthy: event.to === "healthy",
            reason: `${event.to}: ${event.reason}`.slice(0, 1000),
            at: new Date(event.at),
          },
        })
        .catch((error: Error) => logger.warn(`could not store a health event: ${error.message}`));
    },
    seen,
    stats,
  });
  attachLiveChannel({ db, live, aggregator, logger });

  // Config versions: LISTEN for NOTIFY, poll as a safety net.
  const listener: NotificationListener = listenForNotifications({
    url: options.databaseUrl,
    channels: [CONFIG_CHANNEL, TOKEN_REVOKED_CHANNEL, ROLLOUT_CHANNEL, SCALING_CHANNEL, STICKY_KEYS_CHANNEL],
    onNotification: (channel, payload) => {
      if (channel === CONFIG_CHANNEL) distributor.announce(Number(payload));
      else if (channel === STICKY_KEYS_CHANNEL) void distributor.refresh();
      else if (channel === ROLLOUT_CHANNEL) onRolloutChanged();
      else if (channel === SCALING_CHANNEL) onScalingChanged();
      else if (channel === TOKEN_REVOKED_CHANNEL) {
        for (const socket of agents.sockets.values()) {
          if ((socket as AgentSocket).data.tokenId === payload) {
            logger.info(`disconnecting agent ${(socket as AgentSocket).data.name}: its enrollment token was revoked`);
            socket.disconnect(true);
          }
        }
      }
    },
    onListening: () => void distributor.refresh(),
    onError: (error) => {
      if (!closed) logger.warn(`database notifications interrupted (${error.message}); reconnecting`);
    },
  });
  const poll = setInterval(() => void distributor.refresh(), options.pollMs ?? 5_000);
  poll.unref();
  void refreshPoolIds().catch(() => {});
  void refreshAgentCounts().catch(() => {});

  // Every second: close the last second, push it, store finished rollups. Aligned to the wall
  // clock plus a quarter second, so the second's reports have arrived.
  let tickTimer: NodeJS.Timeout | undefined;
  let rollupWarned = false;
  const tick = () => {
    if (closed) return;
    const { ticks, rollups } = aggregator.tick();
    for (const t of ticks) live.to(poolRoom(t.pool)).emit("pool:tick", t);
    live.emit("overview", { at: Date.now(), pools: aggregator.summary(), agents: agentCounts });
    if (rollups.length > 0)
      void writeRollups(db, rollups)
        .then(() => {
          rollupWarned = false;
        })
        .catch((error: Error) => {
          if (!rollupWarned) logger.warn(`could not store metric rollups (they are lost): ${error.message}`);
          rollupWarned = true;
        });
    tickTimer = setTimeout(tick, 1000 - (Date.now() % 1000) + 250);
  };
  tickTimer = setTimeout(tick, 1000 - (Date.now() % 1000) + 250);

  // Every 10 s: agents whose reports arrived and that are still connected here are seen now
  // (one statement for all of them). That also repairs a row housekeeping marked disconnected
  // while this replica could not write. A disconnection takes its agent out of `seen`.
  const seenTimer = setInterval(() => {
    if (seen.size === 0) return;
    const here = new Set([...agents.sockets.values()].map((s) => s.data.agentId));
    const ids = [...seen].filter((id) => here.has(id));
    seen.clear();
    if (ids.length === 0) return;
    void db.agent
      .updateMany({ where: { id: { in: ids } }, data: { lastSeenAt: new Date(), connected: true } })
      .catch(() => {});
  }, 10_000);
  seenTimer.unref();

  // Housekeeping by one replica, every minute.
  const housekeeping: LeaderLoop = runWhileLeader({
    url: options.databaseUrl,
    key: HOUSEKEEPING_LOCK,
    everyMs: 60_000,
    runOnElection: true,
    work: async () => {
      // Agents marked connected whose replica died without saying so (first: the rollups may fail).
      await db.agent.updateMany({
        where: { connected: true, lastSeenAt: { lt: new Date(Date.now() - 60_000) } },
        data: { connected: false },
      });
      const { compacted, expired } = await compactAndExpire(db, { now: new Date(), retention });
      if (expired > 0) logger.debug(`metric rollups: ${compacted} 5-minute rows written, ${expired} expired`);
    },
    onError: (error) => logger.warn(`metric housekeeping failed: ${error.message}`),
  });

  const agentViews = (): AgentView[] =>
    [...agents.sockets.values()].map((s) => {
      const d = (s as AgentSocket).data;
      return { agentId: d.agentId, name: d.name, applied: d.applied, rejected: d.rejected, pools: d.pools };
    });

  return {
    latestVersion: () => distributor.current()?.number,
    agents: agentViews,
    waitForAcks(version, { pool, timeoutMs = 10_000 } = {}) {
      const pending = () =>
        agentViews()
          .filter((a) => pool === undefined || a.pools.includes(pool))
          .filter((a) => (a.applied ?? -1) < version && (a.rejected ?? -1) < version)
          .map((a) => a.name);
      return new Promise((resolve) => {
        const check = () => {
          const left = pending();
          if (left.length > 0) return false;
          done(true);
          return true;
        };
        const done = (complete: boolean) => {
          ackWaiters.delete(wake);
          clearTimeout(timer);
          resolve({ complete, pending: pending() });
        };
        const wake = () => void check();
        const timer = setTimeout(() => done(false), timeoutMs);
        ackWaiters.add(wake);
        check();
      });
    },
    poolHistory: (pool) => aggregator.history(pool),
    versionWindow: (pool, version, fromMs, toMs) => aggregator.versionWindow(pool, version, fromMs, toMs),
    liveUntil: () => aggregator.closedUntil(),
    stats: () => ({ ...stats, agents: agents.sockets.size }),
    sendToAgent: (name, event, payload, timeoutMs) => sendAgentCommand(agents, name, event, payload, timeoutMs),
    onProcessExit(listener) {
      processExitListeners.add(listener);
      return () => processExitListeners.delete(listener);
    },
    async close() {
      closed = true;
      if (tickTimer !== undefined) clearTimeout(tickTimer);
      for (const c of coalescers) c.cancel();
      clearInterval(poll);
      clearInterval(seenTimer);
      await listener.close();
      await housekeeping.close();
      await writeRollups(db, aggregator.drainRollups()).catch(() => {});
      // Unless they have registered again elsewhere meanwhile (a rolling restart).
      const here = [...agents.sockets.values()].map((s) => ({ id: s.data.agentId, version: s.data.registeredVersion }));
      for (const socket of agents.sockets.values()) socket.disconnect(true);
      if (here.length > 0)
        await db.agent.updateMany({ where: { OR: here }, data: { connected: false } }).catch(() => {});
    },
  };
}

function knownPools(
  snapshot: StoredSnapshot,
): Array<{ name: string; backends: Array<{ id: string; version: string }> }> {
  const pools = Array.isArray(snapshot.engine.pools) ? snapshot.engine.pools : [];
  return pools.flatMap((p) => {
    const pool = p as { name?: unknown; backends?: unknown };
    if (typeof pool.name !== "string") return [];
    const backends = (Array.isArray(pool.backends) ? pool.backends : []).flatMap((b) => {
      const backend = b as { id?: unknown; version?: unknown };
      return typeof backend.id === "string"
        ? [{ id: backend.id, version: typeof backend.version === "string" ? backend.version : "v1" }]
        : [];
    });
    return [{ name: pool.name, backends }];
  });
}
