/**
 * The control plane: one process serving the dashboard (Next.js), the API and, as later features
 * land, the Socket.IO hub and controllers. This file only wires; the parts live in packages/.
 */
import { createServer } from "node:http";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createHTTPHandler } from "@trpc/server/adapters/standalone";
import {
  appRouter,
  createHealthHandler,
  createHttpContextFactory,
  createHub,
  createRestHandler,
  ensureDemoAgentToken,
  LoginLimiter,
  seedFirstRun,
  startRolloutController,
  startScalingController,
} from "@weir/api";
import { applyMigrations, createDb, describeDatabase, findPrismaDir, openDatabase } from "@weir/db";
import next from "next";
import { Server as SocketServer } from "socket.io";
import { loadEnv } from "./env";
import { createRequestListener } from "./http";
import { createLogger } from "./log";

const VERSION = process.env.npm_package_version ?? "0.1.0";
const webDir = fileURLToPath(new URL("..", import.meta.url));

async function main(): Promise<void> {
  const env = loadEnv();
  const log = createLogger(env.WEIR_LOG_LEVEL);
  const stopping: Array<() => Promise<void>> = [];
  let shuttingDown = false;
  const shutdown = async (reason: string, code: number) => {
    if (shuttingDown) return;
    shuttingDown = true;
    log.info(`Stopping (${reason})...`);
    for (const stop of stopping.reverse()) {
      await stop().catch((error: Error) => log.warn(`while stopping: ${error.message}`));
    }
    log.info("Stopped.");
    process.exit(code);
  };
  process.on("SIGINT", () => void shutdown("SIGINT", 0));
  process.on("SIGTERM", () => void shutdown("SIGTERM", 0));

  try {
    const database = await openDatabase({
      databaseUrl: env.DATABASE_URL,
      dataDir: env.WEIR_DATA_DIR,
      embeddedPort: env.WEIR_PG_PORT,
      systemDir: env.WEIR_PG_SYSTEM_DIR,
      onLog: (line) => log.debug(`postgres: ${line}`),
    });
    stopping.push(() => database.close());
    log.info(`Database: ${describeDatabase(database)}`);

    const migrated = await applyMigrations({
      url: database.url,
      migrationsDir: join(findPrismaDir(webDir), "migrations"),
    });
    log.info(`Migrations: ${migrated.applied.length} applied now, ${migrated.total} in all.`);

    const db = createDb({ url: database.url });
    stopping.push(() => db.$disconnect());

    const seeded = await seedFirstRun({
      db,
      adminEmail: env.WEIR_ADMIN_EMAIL,
      adminPassword: env.WEIR_ADMIN_PASSWORD,
      demo: env.WEIR_DEMO,
      demoBackends: env.WEIR_DEMO_BACKENDS,
      demoListenerPort: env.WEIR_DEMO_PORT,
    });
    if (seeded.admin) announceAdmin(seeded.admin);
    if (env.WEIR_DEMO) {
      // `npm start` launches a local agent with this token once the control plane is up.
      const file = join(env.WEIR_DATA_DIR, "demo-agent.token");
      const token = await ensureDemoAgentToken({ db, file });
      if (token.created) log.info(`Demo agent enrollment token written to ${file} (readable by you only).`);
    }

    const nextApp = next({ dev: env.NODE_ENV === "development", dir: webDir, hostname: env.HOST, port: env.PORT });
    await nextApp.prepare();
    stopping.push(() => nextApp.close());

    const onError = (error: unknown) => log.error(`request failed: ${(error as Error).stack ?? String(error)}`);
    const contextDeps = {
      db,
      loginLimiter: new LoginLimiter(),
      trustProxy: env.WEIR_TRUST_PROXY,
      demoTrafficControl: env.WEIR_DEMO_TRAFFIC_CONTROL,
    };
    const server = createServer(
      createRequestListener({
        health: createHealthHandler({ db, version: VERSION, startedAt: new Date() }),
        trpc: createHTTPHandler({
          router: appRouter,
          createContext: createHttpContextFactory(contextDeps),
          basePath: "/api/trpc/",
          maxBodySize: 1024 * 1024,
          onError: ({ error }) => {
            if (error.code === "INTERNAL_SERVER_ERROR") onError(error);
          },
        }),
        rest: createRestHandler({ ...contextDeps, version: VERSION, onError }),
        next: nextApp.getRequestHandler(),
        onError,
      }),
    );
    // Socket.IO on the same server: agents on /agents, browsers on /live.
    const io = new SocketServer(server, { serveClient: false, maxHttpBufferSize: 4 * 1024 * 1024 });
    const hub = createHub({
      io,
      db,
      databaseUrl: database.url,
      logger: createLogger(env.WEIR_LOG_LEVEL, "hub"),
      retention: {
        rawMs: env.WEIR_METRICS_RAW_RETENTION_HOURS * 3600_000,
        coarseMs: env.WEIR_METRICS_COARSE_RETENTION_DAYS * 24 * 3600_000,
      },
    });

    await listen(server, env.PORT, env.HOST);
    stopping.push(
      () =>
        new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeIdleConnections();
          setTimeout(() => server.closeAllConnections(), 2000).unref();
        }),
    );
    // Stops first (the list runs in reverse): agents and browsers are told before the server closes.
    stopping.push(async () => {
      await hub.close();
      io.close();
    });
    // One replica drives the rollouts (leader election); it analyses with this hub's live data.
    const rollouts = startRolloutController({
      db,
      databaseUrl: database.url,
      logger: createLogger(env.WEIR_LOG_LEVEL, "rollouts"),
      windows: hub.versionWindow,
      liveUntil: hub.liveUntil,
    });
    stopping.push(() => rollouts.close());
    // The autoscaler, leader-only too: metrics from this hub's live data, processes over its agent link.
    const scaling = startScalingController({
      db,
      databaseUrl: database.url,
      logger: createLogger(env.WEIR_LOG_LEVEL, "scaling"),
      hub,
    });
    stopping.push(() => scaling.close());
    log.info(`Weir ${VERSION} is serving the dashboard on http://localhost:${env.PORT}`);
  } catch (error) {
    const { code, message } = error as Error & { code?: string };
    log.error(`${code ? `${code}: ` : ""}${message}`);
    await shutdown("start-up failed", 1);
  }
}

function listen(server: ReturnType<typeof createServer>, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", (error: NodeJS.ErrnoException) => {
      reject(
        error.code === "EADDRINUSE"
          ? Object.assign(
              new Error(`Port ${port} is already in use. Stop what runs there or set PORT to a free port.`),
              {
                code: "WEIR_E_PORT_IN_USE",
              },
            )
          : error,
      );
    });
    server.listen(port, host, () => resolve());
  });
}

/** The generated admin password is printed once, here, and stored only as a hash. */
function announceAdmin(admin: { email: string; password: string; generated: boolean }): void {
  const lines = admin.generated
    ? [
        "First admin user created.",
        `  email:    ${admin.email}`,
        `  password: ${admin.password}`,
        "This password is shown only now; set WEIR_ADMIN_PASSWORD before the first start to choose it.",
      ]
    : ["First admin user created.", `  email:    ${admin.email}`, "  password: from WEIR_ADMIN_PASSWORD"];
  process.stdout.write(`\n${lines.join("\n")}\n\n`);
}

void main();
