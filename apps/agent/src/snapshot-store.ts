import { randomBytes } from "node:crypto";
import { mkdir, open, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";

/** What the agent keeps on disk: the last config it applied, as it received it. */
export interface StoredSnapshot {
  version: number;
  /** The config as the control plane sent it (validated again when loaded). */
  config: unknown;
  savedAt: string;
}

const FILE = "config.json";

/**
 * The agent's data directory holds the last applied config so that a restart serves traffic at
 * once, before (or without) the control plane. Writes are atomic: a new file is written and
 * flushed to disk (fsync) beside the old one, then renamed over it, and the directory is flushed
 * too, so the rename itself survives a power loss: a crash at any point leaves either the old
 * snapshot or the new one, never a torn file, and once `save` resolves (before the ack is sent)
 * the new one is what a restart serves.
 */
export class SnapshotStore {
  private dirReady = false;

  constructor(readonly dir: string) {}

  get path(): string {
    return join(this.dir, FILE);
  }

  async save(version: number, config: unknown): Promise<void> {
    // Once per process: each save is on the ack's path, one filesystem call less counts.
    if (!this.dirReady) {
      await mkdir(this.dir, { recursive: true, mode: 0o700 });
      this.dirReady = true;
    }
    const body = JSON.stringify({ version, config, savedAt: new Date().toISOString() } satisfies StoredSnapshot);
    const tmp = join(this.dir, `.${FILE}.${randomBytes(6).toString("hex")}.tmp`);
    try {
      await writeFile(tmp, body, { mode: 0o600, flush: true });
      await rename(tmp, this.path);
      await syncDirectory(this.dir);
    } catch (error) {
      await rm(tmp, { force: true });
      throw error;
    }
  }

  /**
   * The stored snapshot as written; `undefined` when there is none. The engine validates the
   * config when it applies it, so one that no longer parses (written by another version, edited by
   * hand) is reported, not served.
   */
  async load(): Promise<{ version: number; raw: unknown } | undefined> {
    let text: string;
    try {
      text = await readFile(this.path, "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw error;
    }
    let stored: StoredSnapshot;
    try {
      stored = JSON.parse(text) as StoredSnapshot;
    } catch (error) {
      throw new Error(`${this.path}: not valid JSON (${(error as Error).message})`);
    }
    return { version: stored.version, raw: stored.config };
  }
}

/** fsync on the directory: makes a rename in it durable (POSIX leaves it to the directory entry). */
async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
