/**
 * `npm run db:migrate`, `npm run db:diff -- --name <name>`, `npm run db:check`.
 * Each uses DATABASE_URL when set, else the embedded Postgres under WEIR_DATA_DIR.
 */
import { join } from "node:path";
import { parseArgs } from "node:util";
import { describeDatabase, openDatabase } from "./database";
import { databaseEnvSchema, parseEnvOrExit } from "./env";
import { applyMigrations } from "./migrate/apply";
import { createMigration } from "./migrate/create";
import { findDrift } from "./migrate/drift";
import { findPrismaDir } from "./paths";

const USAGE = "usage: db-cli migrate | diff --name <name> | check";

async function main(): Promise<number> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: { name: { type: "string" } },
  });
  const command = positionals[0];
  if (command !== "migrate" && command !== "diff" && command !== "check") {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  if (command === "diff" && !values.name) {
    process.stderr.write("db:diff needs a name: npm run db:diff -- --name add_pool_labels\n");
    return 2;
  }
  const env = parseEnvOrExit(databaseEnvSchema);
  const prismaDir = findPrismaDir();
  const database = await openDatabase({
    databaseUrl: env.DATABASE_URL,
    dataDir: env.WEIR_DATA_DIR,
    embeddedPort: env.WEIR_PG_PORT,
    systemDir: env.WEIR_PG_SYSTEM_DIR,
  });
  try {
    process.stdout.write(`Database: ${describeDatabase(database)}\n`);
    switch (command) {
      case "migrate": {
        const result = await applyMigrations({ url: database.url, migrationsDir: join(prismaDir, "migrations") });
        if (result.applied.length === 0) process.stdout.write(`All ${result.total} migrations already applied.\n`);
        for (const name of result.applied) process.stdout.write(`Applied ${name}\n`);
        return 0;
      }
      case "diff": {
        const created = await createMigration({ url: database.url, prismaDir, name: values.name as string });
        process.stdout.write(
          created ? `Wrote ${created.dir}\n` : "schema.prisma has no changes since the last migration.\n",
        );
        return 0;
      }
      case "check": {
        const problems = await findDrift({ url: database.url, prismaDir });
        for (const problem of problems) process.stderr.write(`WEIR_E_MIGRATION_DRIFT: ${problem}\n`);
        if (problems.length === 0) process.stdout.write("schema.prisma and the migrations agree.\n");
        return problems.length === 0 ? 0 : 1;
      }
    }
  } finally {
    await database.close();
  }
}

main().then(
  (code) => process.exit(code),
  (error: Error & { code?: string }) => {
    process.stderr.write(`${error.code ? `${error.code}: ` : ""}${error.message}\n`);
    process.exit(1);
  },
);
