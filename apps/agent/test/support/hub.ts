import { randomUUID } from "node:crypto";
import { createServer, type Server } from "node:http";
import {
  appRouter,
  createCallerFactory,
  createHub,
  type Hub,
  hashPassword,
  LoginLimiter,
  type RolloutController,
  type ScalingController,
  type ScalingControllerOptions,
  startRolloutController,
  startScalingController,
} from "@weir/api";
import { createDb, type Db } from "@weir/db";
import { freePort, startTestPostgres, type TestPostgres } from "@weir/db/testing";
import { Server as SocketServer } from "socket.io";

const createCaller = createCallerFactory(appRouter);
export type Caller = ReturnType<typeof createCaller>;

/**
 * A control plane in this process, with what the agents talk to: a real Postgres, the real API
 * (as an admin's in-process caller) and the real hub on a Socket.IO server. The hub can be
 * stopped and started again on the same port while Postgres keeps running.
 */
export interface TestHub {
  db: Db;
  postgres: TestPostgres;
  admin: Caller;
  url: string;
  hub(): Hub;
  logs: string[];
  enrollmentToken(name?: string): Promise<{ id: string; token: string }>;
  stopHub(): Promise<void>;
  startHub(): Promise<void>;
  /** Another control-plane replica's hub on the same database, as a separate Socket.IO server. */
  startReplica(): Promise<{ url: string; hub: Hub; close(): Promise<void> }>;
  close(): Promise<void>;
}

/** Settings of the scaling controller for tests that need short windows (the rest keep its defaults). */
export type TestScalingOptions = Pick<
  ScalingControllerOptions,
  "tickMs" | "metricWindowSec" | "drainTimeoutMs" | "decisionEveryMs" | "kubernetesEveryMs"
>;

export async function startTestHub(options: { scaling?: TestScalingOptions } = {}): Promise<TestHub> {
  const postgres = await startTestPostgres({ migrate: true });
  const db = createDb({ url: postgres.url });
  const user = await db.user.create({
    data: { email: "admin@weir.test", name: "admin", role: "admin", passwordHash: await hashPassword("x".repeat(12)) },
  });
  const admin = createCaller({
    db,
    actor: { type: "user", userId: user.id, email: user.email, name: "admin", role: "admin", sessionId: "test" },
    ip: "127.0.0.1",
    userAgent: "vitest",
    requestId: randomUUID(),
    loginLimiter: new LoginLimiter(),
    crossOrigin: false,
  });
  const port = await freePort();
  const logs: string[] = [];
  const logger = {
    debug: (m: string) => logs.push(`debug ${m}`),
    info: (m: string) => logs.push(`info ${m}`),
    warn: (m: string) => logs.push(`warn ${m}`),
    error: (m: string) => logs.push(`error ${m}`),
  };
  let server: Server | undefined;
  let io: SocketServer | undefined;
  let hub: Hub | undefined;
  let rollouts: RolloutController | undefined;
  let scaling: ScalingController | undefined;

  const startHub = async () => {
    server = createServer((_req, res) => {
      res.writeHead(404);
      res.end();
    });
    io = new SocketServer(server, { serveClient: false });
    hub = createHub({ io, db, databaseUrl: postgres.url, logger, pollMs: 1000 });
    rollouts = startRolloutController({
      db,
      databaseUrl: postgres.url,
      logger,
      windows: hub.versionWindow,
      liveUntil: hub.liveUntil,
    });
    scaling = startScalingController({ db, databaseUrl: postgres.url, logger, hub, ...options.scaling });
    const s = server;
    await new Promise<void>((resolve) => s.listen(port, "127.0.0.1", resolve));
  };
  const stopHub = async () => {
    await scaling?.close();
    await rollouts?.close();
    await hub?.close();
    io?.close();
    const s = server;
    if (s !== undefined) {
      s.closeAllConnections();
      await new Promise((resolve) => s.close(resolve));
    }
    server = undefined;
    hub = undefined;
  };
  await startHub();
  return {
    db,
    postgres,
    admin,
    url: `http://127.0.0.1:${port}`,
    hub: () => {
      if (hub === undefined) throw new Error("the hub is stopped");
      return hub;
    },
    logs,
    async enrollmentToken(name = "test") {
      const created = await admin.enrollmentTokens.create({ name });
      return { id: created.id, token: created.token };
    },
    stopHub,
    startHub,
    async startReplica() {
      const replicaServer = createServer((_req, res) => {
        res.writeHead(404);
        res.end();
      });
      const replicaIo = new SocketServer(replicaServer, { serveClient: false });
      const replica = createHub({ io: replicaIo, db, databaseUrl: postgres.url, logger, pollMs: 60_000 });
      const replicaPort = await freePort();
      await new Promise<void>((resolve) => replicaServer.listen(replicaPort, "127.0.0.1", resolve));
      return {
        url: `http://127.0.0.1:${replicaPort}`,
        hub: replica,
        async close() {
          await replica.close();
          replicaIo.close();
          replicaServer.closeAllConnections();
          await new Promise((resolve) => replicaServer.close(resolve));
        },
      };
    },
    async close() {
      await stopHub();
      await db.$disconnect();
      await postgres.destroy();
    },
  };
}

/** Polls until `condition` holds; fails with `what` after `timeoutMs`. */
export async function eventually<T>(
  condition: () => Promise<T | undefined | false> | T | undefined | false,
  what: string,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await condition();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ""}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
