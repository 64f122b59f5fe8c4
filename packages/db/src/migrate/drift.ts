import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { diffSchemas } from "./diff";
import { readMigrations } from "./migrations";

/** A migration whose SQL a person wrote by hand opts out of the replay check with this line. */
export const MANUAL_MARKER = "-- weir:manual";

/**
 * Where schema.prisma and prisma/migrations disagree. Two checks, both without introspecting a
 * database: replaying each migration's schema snapshot from the previous one must give exactly
 * its migration.sql, and the last snapshot must equal the current schema.prisma.
 */
export async function findDrift(options: { url: string; prismaDir: string }): Promise<string[]> {
  const migrationsDir = join(options.prismaDir, "migrations");
  const migrations = await readMigrations(migrationsDir);
  const schema = await readFile(join(options.prismaDir, "schema.prisma"), "utf8");
  const problems: string[] = [];
  let previous: string | undefined;
  for (const migration of migrations) {
    if (migration.snapshot === undefined) {
      problems.push(`${migration.name}: no schema.prisma snapshot beside migration.sql.`);
      return problems;
    }
    if (!migration.sql.includes(MANUAL_MARKER)) {
      const expected = await diffSchemas({ url: options.url, from: previous, to: migration.snapshot });
      if (normalise(expected) !== normalise(migration.sql)) {
        problems.push(
          `${migration.name}: migration.sql is not what its schema snapshot produces. ` +
            `Regenerate it, or mark a hand-written migration with "${MANUAL_MARKER}".`,
        );
      }
    }
    previous = migration.snapshot;
  }
  const pending = await diffSchemas({ url: options.url, from: previous, to: schema });
  if (pending !== "") {
    problems.push(
      `schema.prisma has changes no migration covers. Run \`npm run db:diff -- --name <what-changed>\`:\n${pending}`,
    );
  }
  return problems;
}

function normalise(sql: string): string {
  return sql
    .split("\n")
    .map((line) => line.trimEnd())
    .join("\n")
    .trim();
}
