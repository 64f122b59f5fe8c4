/**
 * Helpers for tests that need a real, throwaway Postgres: a fresh embedded cluster in a temporary
 * directory on a free port, migrated when asked. ~1 s to start.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type RunningPostgres, startEmbeddedPostgres } from "./embedded";

export { isAlive } from "./embedded";

import { applyMigrations } from "./migrate/apply";
import { findPrismaDir } from "./paths";

export interface TestPostgres extends RunningPostgres {
  /** Stops the server and deletes its data directory. */
  destroy(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

export async function startTestPostgres(options: { migrate?: boolean } = {}): Promise<TestPostgres> {
  const dataDir = await mkdtemp(join(tmpdir(), "weir-test-pg-"));
  const pg = await startEmbeddedPostgres({ dataDir, port: await freePort() });
  if (options.migrate) {
    await applyMigrations({ url: pg.url, migrationsDir: join(findPrismaDir(), "migrations") });
  }
  return {
    ...pg,
    async destroy() {
      await pg.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
