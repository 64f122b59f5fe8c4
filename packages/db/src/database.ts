import { type RunningPostgres, startEmbeddedPostgres } from "./embedded";

export interface DatabaseOptions {
  /** Use this server and start nothing. */
  databaseUrl?: string | undefined;
  /** Otherwise start the embedded Postgres with its cluster under `<dataDir>/postgres`. */
  dataDir: string;
  embeddedPort: number;
  /** `WEIR_PG_SYSTEM_DIR`; see embedded/host.ts. */
  systemDir?: string;
  onLog?: (line: string) => void;
}

export interface DatabaseHandle {
  url: string;
  /** Set when Weir started its own Postgres; `close()` stops it. */
  embedded: RunningPostgres | undefined;
  close(): Promise<void>;
}

/** `DATABASE_URL` when given, else the embedded Postgres (started, or reused from disk). */
export async function openDatabase(options: DatabaseOptions): Promise<DatabaseHandle> {
  if (options.databaseUrl) {
    return { url: options.databaseUrl, embedded: undefined, close: async () => {} };
  }
  const embedded = await startEmbeddedPostgres({
    dataDir: options.dataDir,
    port: options.embeddedPort,
    ...(options.systemDir ? { systemDir: options.systemDir } : {}),
    ...(options.onLog ? { onLog: options.onLog } : {}),
  });
  return { url: embedded.url, embedded, close: () => embedded.stop() };
}

export function describeDatabase(handle: DatabaseHandle): string {
  if (!handle.embedded) return `external Postgres at ${redact(handle.url)}`;
  const { port, clusterDir, replacedPid } = handle.embedded;
  const replaced = replacedPid ? ` (it replaced the server pid ${replacedPid} that an earlier run left behind)` : "";
  return `embedded Postgres on 127.0.0.1:${port}, data in ${clusterDir}${replaced}`;
}

/** A connection string fit for logs: the password never leaves the process. */
export function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  } catch {
    return "(unparseable DATABASE_URL)";
  }
}
