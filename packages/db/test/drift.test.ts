import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findPrismaDir, readMigrations } from "../src/index";
import { createMigration } from "../src/migrate/create";
import { findDrift } from "../src/migrate/drift";
import { startTestPostgres, type TestPostgres } from "../src/testing";

describe("drift between schema.prisma and the migrations", () => {
  let server: TestPostgres;
  let scratch: string;
  beforeAll(async () => {
    server = await startTestPostgres();
    scratch = await mkdtemp(join(tmpdir(), "weir-drift-"));
  });
  afterAll(async () => {
    await server.destroy();
    await rm(scratch, { recursive: true, force: true });
  });

  async function copyOfPrismaDir(name: string): Promise<string> {
    const dir = join(scratch, name);
    await cp(findPrismaDir(), dir, { recursive: true });
    return dir;
  }

  it("finds none in the repository", async () => {
    expect(await findDrift({ url: server.url, prismaDir: findPrismaDir() })).toEqual([]);
  });

  it("reports a schema change that no migration covers, and db:diff writes the migration that fixes it", async () => {
    const dir = await copyOfPrismaDir("schema-change");
    const schemaPath = join(dir, "schema.prisma");
    const schema = await readFile(schemaPath, "utf8");
    await writeFile(
      schemaPath,
      schema.replace("  slowStartMs    Int", '  labels Json @default("{}")\n  slowStartMs    Int'),
    );

    const problems = await findDrift({ url: server.url, prismaDir: dir });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain("schema.prisma has changes no migration covers");
    expect(problems[0]).toContain('ADD COLUMN     "labels" JSONB');

    const created = await createMigration({ url: server.url, prismaDir: dir, name: "pool_labels" });
    expect(created?.name).toMatch(/^\d{14}_pool_labels$/);
    expect(created?.sql).toContain('ALTER TABLE "pools" ADD COLUMN');
    expect(await findDrift({ url: server.url, prismaDir: dir })).toEqual([]);
    expect(await createMigration({ url: server.url, prismaDir: dir, name: "nothing" })).toBeUndefined();
  });

  it("reports a migration.sql edited by hand without the manual marker", async () => {
    const dir = await copyOfPrismaDir("edited");
    const [first] = await readMigrations(join(dir, "migrations"));
    const sqlPath = join(dir, "migrations", first?.name ?? "", "migration.sql");
    await writeFile(sqlPath, (await readFile(sqlPath, "utf8")).replace(/CREATE TABLE "users"[\s\S]*?\);\n/, ""));
    const problems = await findDrift({ url: server.url, prismaDir: dir });
    expect(problems).toEqual([
      expect.stringContaining(`${first?.name}: migration.sql is not what its schema snapshot produces`),
    ]);
  });
});
