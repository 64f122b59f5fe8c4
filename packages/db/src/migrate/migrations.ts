import { existsSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import type { MigrationList } from "@prisma/schema-engine-wasm";

/** The layout `prisma migrate` uses, so the standard CLI can take over where it can run. */
export const MIGRATION_FILE = "migration.sql";
export const LOCK_FILE = "migration_lock.toml";
/**
 * Weir keeps, beside each migration, the schema.prisma it was generated from. Diffing that
 * snapshot against the current schema yields the next migration without introspecting a live
 * database (which the WebAssembly engine cannot do through the pg adapter).
 */
export const SNAPSHOT_FILE = "schema.prisma";

export interface Migration {
  /** Folder name, `<yyyymmddhhmmss>_<name>`; migrations apply in this order. */
  name: string;
  sql: string;
  /** The schema.prisma this migration brought the database to, when recorded. */
  snapshot: string | undefined;
}

export async function readMigrations(migrationsDir: string): Promise<Migration[]> {
  if (!existsSync(migrationsDir)) return [];
  const entries = await readdir(migrationsDir, { withFileTypes: true });
  const names = entries
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
  return Promise.all(
    names.map(async (name) => {
      const dir = join(migrationsDir, name);
      const sql = await readFile(join(dir, MIGRATION_FILE), "utf8");
      const snapshotPath = join(dir, SNAPSHOT_FILE);
      const snapshot = existsSync(snapshotPath) ? await readFile(snapshotPath, "utf8") : undefined;
      return { name, sql, snapshot };
    }),
  );
}

/** The schema engine's view of the migrations folder. */
export async function toMigrationList(migrationsDir: string, migrations: Migration[]): Promise<MigrationList> {
  const lockPath = join(migrationsDir, LOCK_FILE);
  return {
    baseDir: migrationsDir,
    lockfile: { path: LOCK_FILE, content: existsSync(lockPath) ? await readFile(lockPath, "utf8") : null },
    shadowDbInitScript: "",
    migrationDirectories: migrations.map((migration) => ({
      path: migration.name,
      migrationFile: { path: MIGRATION_FILE, content: { tag: "ok", value: migration.sql } },
    })),
  };
}
