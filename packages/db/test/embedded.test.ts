import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import pg from "pg";
import { afterEach, describe, expect, it } from "vitest";
import { openDatabase, startEmbeddedPostgres } from "../src/index";
import { freePort, isAlive, startTestPostgres } from "../src/testing";

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "weir-embedded-"));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

async function query(url: string, sql: string, params: unknown[] = []) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql, params)).rows;
  } finally {
    await client.end();
  }
}

describe("embedded Postgres", () => {
  it("keeps its data across a stop and a second start in the same data directory", async () => {
    const dataDir = await tempDir();
    const port = await freePort();
    const first = await startEmbeddedPostgres({ dataDir, port });
    await query(first.url, "CREATE TABLE kept (note text)");
    await query(first.url, "INSERT INTO kept VALUES ($1)", ["still here"]);
    await first.stop();

    const second = await startEmbeddedPostgres({ dataDir, port });
    cleanups.push(() => second.stop());
    expect(second.url).toBe(first.url);
    expect(await query(second.url, "SELECT note FROM kept")).toEqual([{ note: "still here" }]);
  });

  it("says clearly when its port is taken", async () => {
    const dataDir = await tempDir();
    const port = await freePort();
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(port, "127.0.0.1", resolve));
    cleanups.push(() => new Promise((resolve) => blocker.close(() => resolve())));

    const error = await startEmbeddedPostgres({ dataDir, port }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: "WEIR_E_DB_PORT_IN_USE" });
    expect((error as Error).message).toContain(`port ${port} on 127.0.0.1 is taken`);
    expect((error as Error).message).toContain("WEIR_PG_PORT");
  });

  it("names its own still-running server when that is what holds the port", async () => {
    const dataDir = await tempDir();
    const port = await freePort();
    const running = await startEmbeddedPostgres({ dataDir, port });
    cleanups.push(() => running.stop());
    const error = await startEmbeddedPostgres({ dataDir, port }).catch((caught: unknown) => caught);
    expect((error as Error).message).toMatch(/Weir's own embedded Postgres .* is still running \(pid \d+\)/);
  });
});

describe("embedded Postgres when its owner exits without stopping it", () => {
  /**
   * Runs a child that starts a server, does `then`, and exits with process.exit() without calling
   * stop(). Returns the postmaster's pid and what the child printed on stderr.
   */
  async function childThat(then: string, dataDir: string, port: number, options: { exitWhileStarting?: boolean } = {}) {
    const embedded = resolve(import.meta.dirname, "../src/embedded.ts");
    const pidFile = JSON.stringify(join(dataDir, "postgres", "postmaster.pid"));
    // exitWhileStarting: exit as soon as the server says it listens, before start() has resolved.
    const onLog = options.exitWhileStarting
      ? `(line) => { if (line.includes("listening on")) { console.log(readFileSync(${pidFile}, "utf8").split("\\n")[0]); process.exit(0); } }`
      : "undefined";
    const script = `
      import { readFileSync } from "node:fs";
      import { startEmbeddedPostgres } from ${JSON.stringify(embedded)};
      process.on("unhandledRejection", (e) => { console.error("unhandled:", String(e)); });
      await startEmbeddedPostgres({ dataDir: ${JSON.stringify(dataDir)}, port: ${port}, onLog: ${onLog} });
      console.log(readFileSync(${pidFile}, "utf8").split("\\n")[0]);
      ${then}
      process.exit(0);
    `;
    const { stdout, stderr } = await promisify(execFile)(
      process.execPath,
      ["--import", "tsx", "--input-type=module", "-e", script],
      { cwd: resolve(import.meta.dirname, "..") },
    );
    return { pid: Number(stdout.trim()), stderr };
  }

  async function expectGone(pid: number) {
    // The postmaster got SIGINT as the child exited; a fast shutdown takes a moment.
    const deadline = Date.now() + 10_000;
    while (isAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(isAlive(pid)).toBe(false);
  }

  it("is signalled on process.exit, so nothing is left running", async () => {
    const dataDir = await tempDir();
    const port = await freePort();
    const { pid } = await childThat("", dataDir, port);
    expect(pid).toBeGreaterThan(0);
    await expectGone(pid);
    // A second start on the same directory and port works: the first server is gone.
    const again = await startEmbeddedPostgres({ dataDir, port });
    cleanups.push(() => again.stop());
    expect(await query(again.url, "SELECT 1 AS one")).toEqual([{ one: 1 }]);
  });

  it("is signalled when its owner exits while it is still starting", async () => {
    const dataDir = await tempDir();
    const port = await freePort();
    const { pid } = await childThat("", dataDir, port, { exitWhileStarting: true });
    expect(pid).toBeGreaterThan(0);
    await expectGone(pid);
  });

  it("rejects nothing when the process outlives its 'exit' event (as a test worker does)", async () => {
    const dataDir = await tempDir();
    const port = await freePort();
    const { pid, stderr } = await childThat(
      'process.emit("exit", 0); await new Promise((r) => setTimeout(r, 1500));',
      dataDir,
      port,
    );
    expect(stderr).not.toContain("unhandled");
    await expectGone(pid);
  });
});

describe("DATABASE_URL", () => {
  it("is used as given, and no embedded server is started", async () => {
    const external = await startTestPostgres();
    cleanups.push(() => external.destroy());
    const dataDir = await tempDir();

    const handle = await openDatabase({ databaseUrl: external.url, dataDir, embeddedPort: await freePort() });
    expect(handle.embedded).toBeUndefined();
    expect(handle.url).toBe(external.url);
    await query(handle.url, "CREATE TABLE marker (id int)");
    await handle.close();

    // The external server got the table, and nothing was created under the data directory.
    expect(await query(external.url, "SELECT count(*)::int AS n FROM marker")).toEqual([{ n: 0 }]);
    const { readdir } = await import("node:fs/promises");
    expect(await readdir(dataDir)).toEqual([]);
  });
});
