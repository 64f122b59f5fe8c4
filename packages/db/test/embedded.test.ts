import { execFile, execFileSync, spawn } from "node:child_process";
import { appendFile, chmod, mkdtemp, realpath, rm, stat, writeFile } from "node:fs/promises";
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

  it("refuses, naming it, a server of the same data directory that a live process still runs", async () => {
    const dataDir = await tempDir();
    const port = await freePort();
    const running = await startEmbeddedPostgres({ dataDir, port });
    cleanups.push(() => running.stop());
    const error = await startEmbeddedPostgres({ dataDir, port: await freePort() }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: "WEIR_E_DB_DATA_DIR_IN_USE" });
    expect((error as Error).message).toMatch(
      new RegExp(`is running \\(pid \\d+\\) under process ${process.pid}, which is still alive`),
    );
    // Refused, not taken over: the first server still answers.
    expect(await query(running.url, "SELECT 1 AS one")).toEqual([{ one: 1 }]);
  });

  // A server that cannot start must say why in the time it takes to fail, not after a test's hook
  // timeout: the test's own timeout is that bound.
  it("12: a Postgres that cannot start fails at once, quoting the server's reason", { timeout: 20_000 }, async () => {
    const dataDir = await tempDir();
    const port = await freePort();
    const first = await startEmbeddedPostgres({ dataDir, port });
    await first.stop();
    await appendFile(join(dataDir, "postgres", "postgresql.conf"), "\nshared_buffers = banana\n");

    const error = await startEmbeddedPostgres({ dataDir, port }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: "WEIR_E_DB_START_FAILED" });
    expect((error as Error).message).toContain("exited (code 1) before accepting connections");
    expect((error as Error).message).toContain('invalid value for parameter "shared_buffers": "banana"');
  });

  it.runIf(process.getuid?.() === 0)(
    "12: as root, keeps a cluster the postgres user cannot reach in the system folder, linked from the data directory",
    async () => {
      const closed = await tempDir(); // mkdtemp: 0700, root's
      const system = await tempDir();
      await chmod(system, 0o755);
      const dataDir = join(closed, "checkout", ".weir");
      const port = await freePort();

      const first = await startEmbeddedPostgres({ dataDir, port, systemDir: system });
      expect(first.clusterDir.startsWith(join(system, "clusters"))).toBe(true);
      expect(await realpath(join(dataDir, "postgres"))).toBe(first.clusterDir);
      const owner = (await stat(first.clusterDir)).uid;
      expect(owner).toBe(Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" })));
      await query(first.url, "CREATE TABLE kept (note text)");
      await first.stop();

      // The next start finds the same cluster through the link.
      const second = await startEmbeddedPostgres({ dataDir, port, systemDir: system });
      cleanups.push(() => second.stop());
      expect(second.clusterDir).toBe(first.clusterDir);
      expect(await query(second.url, "SELECT count(*)::int AS n FROM kept")).toEqual([{ n: 0 }]);
    },
  );
});

describe("embedded Postgres when its owner exits without stopping it", () => {
  /**
   * Runs a child that starts a server, does `then`, and exits with process.exit() without calling
   * stop(). Returns the postmaster's pid and what the child printed on stderr.
   */
  async function childThat(then: string, dataDir: string, port: number, options: { exitWhileStarting?: boolean } = {}) {
    const embedded = resolve(import.meta.dirname, "../src/embedded/index.ts");
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
    // A child that kills itself rejects; what it printed before is on the error.
    const { stdout, stderr } = await promisify(execFile)(
      process.execPath,
      ["--import", "tsx", "--input-type=module", "-e", script],
      { cwd: resolve(import.meta.dirname, "..") },
    ).catch((error: { stdout: string; stderr: string }) => error);
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

  it("12: a server left running by an owner that was SIGKILLed is stopped and started again by the next start", async () => {
    const dataDir = await tempDir();
    const port = await freePort();
    const { pid } = await childThat('process.kill(process.pid, "SIGKILL");', dataDir, port);
    expect(pid).toBeGreaterThan(0);
    expect(isAlive(pid)).toBe(true); // nothing stopped it: its owner died without a word

    const next = await startEmbeddedPostgres({ dataDir, port });
    cleanups.push(() => next.stop());
    expect(next.replacedPid).toBe(pid);
    expect(isAlive(pid)).toBe(false);
    expect(await query(next.url, "SELECT 1 AS one")).toEqual([{ one: 1 }]);
  });

  it("12: never signals a process that is not this cluster's postmaster, whatever postmaster.pid names", async () => {
    const dataDir = await tempDir();
    const port = await freePort();
    const first = await startEmbeddedPostgres({ dataDir, port });
    await first.stop();
    // A stale lock naming a live process that is not Postgres (a pid reused after a power cut).
    const bystander = spawn("sleep", ["60"], { stdio: "ignore" });
    cleanups.push(async () => {
      bystander.kill("SIGKILL");
    });
    const pidFile = join(dataDir, "postgres", "postmaster.pid");
    await writeFile(pidFile, `${bystander.pid}\n${join(dataDir, "postgres")}\n`);

    // Weir leaves it alone; Postgres's own lock check then judges the lock (as the postgres user,
    // a process of root's that it may not signal is not a postmaster of its own: stale).
    // Running as the bystander's own user, Postgres finds it alive and refuses, quoted.
    const next = await startEmbeddedPostgres({ dataDir, port }).catch((caught: Error) => caught);
    expect(isAlive(bystander.pid ?? 0)).toBe(true);
    if (next instanceof Error) {
      expect(next.message).toContain("postmaster.pid");
      return;
    }
    cleanups.push(() => next.stop());
    expect(next.replacedPid).toBeUndefined();
    expect(await query(next.url, "SELECT 1 AS one")).toEqual([{ one: 1 }]);
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
