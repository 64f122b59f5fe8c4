import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDb, type Db } from "../src/index";
import { startTestPostgres, type TestPostgres } from "../src/testing";

describe("Prisma round trip through @weir/db", () => {
  let server: TestPostgres;
  let db: Db;
  beforeAll(async () => {
    server = await startTestPostgres({ migrate: true });
    db = createDb({ url: server.url });
  });
  afterAll(async () => {
    await db.$disconnect();
    await server.destroy();
  });

  it("writes a pool with backends and reads it back with its defaults", async () => {
    const created = await db.pool.create({
      data: {
        name: "checkout",
        backends: {
          create: [
            { host: "10.0.0.1", port: 8080, weight: 3 },
            { host: "10.0.0.2", port: 8080, versionLabel: "v2", state: "draining" },
          ],
        },
      },
    });
    const pool = await db.pool.findUniqueOrThrow({
      where: { id: created.id },
      include: { backends: { orderBy: { host: "asc" } } },
    });
    expect(pool.algorithm).toBe("weighted_round_robin");
    expect(pool.version).toBe(1);
    expect(pool.backends.map((backend) => [backend.host, backend.weight, backend.versionLabel, backend.state])).toEqual(
      [
        ["10.0.0.1", 3, "v1", "active"],
        ["10.0.0.2", 100, "v2", "draining"],
      ],
    );
  });

  it("supports optimistic concurrency on the version column", async () => {
    const pool = await db.pool.create({ data: { name: "occ" } });
    const bump = (expected: number) =>
      db.pool.updateMany({
        where: { id: pool.id, version: expected },
        data: { description: `edit at ${expected}`, version: { increment: 1 } },
      });
    expect((await bump(1)).count).toBe(1);
    // A second writer who also read version 1 is refused: nothing is written.
    expect((await bump(1)).count).toBe(0);
    const after = await db.pool.findUniqueOrThrow({ where: { id: pool.id } });
    expect(after).toMatchObject({ version: 2, description: "edit at 1" });
  });

  it("enforces the unique backend address within a pool", async () => {
    const pool = await db.pool.create({ data: { name: "unique-addr" } });
    await db.backend.create({ data: { poolId: pool.id, host: "10.0.0.9", port: 80 } });
    await expect(db.backend.create({ data: { poolId: pool.id, host: "10.0.0.9", port: 80 } })).rejects.toMatchObject({
      code: "P2002",
    });
  });
});
