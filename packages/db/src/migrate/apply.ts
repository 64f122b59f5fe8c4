import { DbError } from "../errors";
import { openSchemaEngine } from "./engine";
import { readMigrations, toMigrationList } from "./migrations";

export interface ApplyResult {
  applied: string[];
  total: number;
}

/**
 * Applies pending migrations in order, each in its own transaction, recording them in
 * `_prisma_migrations` exactly as `prisma migrate deploy` does. Safe to run concurrently with
 * itself: the engine takes Postgres's advisory lock for migrations.
 */
export async function applyMigrations(options: { url: string; migrationsDir: string }): Promise<ApplyResult> {
  const migrations = await readMigrations(options.migrationsDir);
  const handle = await openSchemaEngine({ url: options.url });
  try {
    const output = await handle.engine.applyMigrations({
      migrationsList: await toMigrationList(options.migrationsDir, migrations),
      filters: { externalTables: [], externalEnums: [] },
    });
    return { applied: output.appliedMigrationNames, total: migrations.length };
  } catch (cause) {
    throw new DbError("WEIR_E_MIGRATION_FAILED", `Applying migrations failed: ${(cause as Error).message}`, {
      cause,
    });
  } finally {
    await handle.close();
  }
}
