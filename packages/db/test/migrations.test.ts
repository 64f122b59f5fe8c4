import { createHash } from "node:crypto";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { applyMigrations, findPrismaDir, readMigrations } from "../src/index";
import { startTestPostgres, type TestPostgres } from "../src/testing";

const migrationsDir = join(findPrismaDir(), "migrations");

describe("db:migrate on an empty embedded Postgres", () => {
  let server: TestPostgres;
  beforeAll(async () => {
    server = await startTestPostgres();
  });
  afterAll(async () => {
    await server.destroy();
  });

  it("applies every migration, then nothing on the second run", async () => {
    const migrations = await readMigrations(migrationsDir);
    expect(migrations.length).toBeGreaterThan(0);

    const first = await applyMigrations({ url: server.url, migrationsDir });
    expect(first.applied).toEqual(migrations.map((migration) => migration.name));

    const second = await applyMigrations({ url: server.url, migrationsDir });
    expect(second.applied).toEqual([]);
    expect(second.total).toBe(migrations.length);
  });

  it("records them in _prisma_migrations as `prisma migrate deploy` does", async () => {
    const migrations = await readMigrations(migrationsDir);
    const client = new pg.Client({ connectionString: server.url });
    await client.connect();
    try {
      const { rows } = await client.query(
        "SELECT migration_name, checksum, finished_at, rolled_back_at, applied_steps_count FROM _prisma_migrations ORDER BY migration_name",
      );
      expect(rows).toHaveLength(migrations.length);
      for (const [index, row] of rows.entries()) {
        const migration = migrations[index];
        expect(row.migration_name).toBe(migration?.name);
        // Prisma's checksum is the SHA-256 of migration.sql; a mismatch makes `migrate deploy` refuse.
        expect(row.checksum).toBe(
          createHash("sha256")
            .update(migration?.sql ?? "")
            .digest("hex"),
        );
        expect(row.finished_at).toBeInstanceOf(Date);
        expect(row.rolled_back_at).toBeNull();
        expect(row.applied_steps_count).toBe(1);
      }
      const tables = await client.query(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename",
      );
      expect(tables.rows.map((row) => row.tablename)).toEqual(
        expect.arrayContaining([
          "pools",
          "backends",
          "listeners",
          "routes",
          "config_versions",
          "audit_events",
          "users",
        ]),
      );
    } finally {
      await client.end();
    }
  });

  it("fails with a coded error on a migration that cannot apply", async () => {
    const other = await startTestPostgres();
    try {
      const client = new pg.Client({ connectionString: other.url });
      await client.connect();
      // A table the first migration wants to create already exists.
      await client.query('CREATE TABLE "pools" (id int)');
      await client.end();
      await expect(applyMigrations({ url: other.url, migrationsDir })).rejects.toMatchObject({
        code: "WEIR_E_MIGRATION_FAILED",
      });
    } finally {
      await other.destroy();
    }
  });
});
