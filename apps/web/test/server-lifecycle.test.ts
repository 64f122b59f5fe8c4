import { spawn } from "node:child_process";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, isAlive, startTestPostgres, type TestPostgres } from "@weir/db/testing";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  assertBuilt,
  health,
  repoRoot,
  serverEntry,
  startServer as startProcess,
  waitFor,
} from "./support/control-plane";

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

beforeAll(assertBuilt);

const startServer = (env: Record<string, string>) => startProcess(env, cleanups);

async function tempDataDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "weir-web-"));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

describe("the control plane process", () => {
  it("starts on an embedded Postgres, reuses it on the next start, and leaves nothing running after SIGINT", async () => {
    const dataDir = await tempDataDir();
    const env = { WEIR_DATA_DIR: dataDir, WEIR_PG_PORT: String(await freePort()) };

    const first = await startServer(env);
    expect((await health(first)).body).toMatchObject({ status: "ok", database: { status: "ok" } });
    expect(first.output()).toMatch(/First admin user created\.\n\s+email:\s+admin@weir\.local\n\s+password: \S{12,}/);
    const postmasterPid = Number((await readFile(join(dataDir, "postgres", "postmaster.pid"), "utf8")).split("\n")[0]);
    expect(isAlive(postmasterPid)).toBe(true);

    first.child.kill("SIGINT");
    expect(await first.exited).toBe(0);
    expect(isAlive(postmasterPid)).toBe(false);

    const second = await startServer(env);
    expect(second.output()).not.toContain("First admin user created");
    expect(second.output()).toContain("0 applied now");
    // The password printed once at the first start signs in on the second: the data was reused.
    const password = /password: (\S+)/.exec(first.output())?.[1];
    const signIn = await fetch(`http://127.0.0.1:${second.port}/api/v1/auth/sign-in`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email: "admin@weir.local", password }),
    });
    expect(signIn.status).toBe(200);
    const cookie = signIn.headers.get("set-cookie")?.split(";")[0] ?? "";
    const pools = await fetch(`http://127.0.0.1:${second.port}/api/v1/pools`, { headers: { cookie } }).then((r) =>
      r.json(),
    );
    expect(pools.map((pool: { name: string }) => pool.name)).toEqual(["demo"]);
    second.child.kill("SIGTERM");
    expect(await second.exited).toBe(0);
  });

  it("uses DATABASE_URL without starting Postgres, and answers 503 while that database is down", async () => {
    const external: TestPostgres = await startTestPostgres();
    cleanups.push(() => external.destroy());
    const dataDir = await tempDataDir();

    const server = await startServer({
      DATABASE_URL: external.url,
      WEIR_DATA_DIR: dataDir,
      WEIR_ADMIN_PASSWORD: "chosen-password",
    });
    expect(server.output()).toContain("external Postgres at postgresql://weir:***@127.0.0.1");
    expect(server.output()).not.toContain("chosen-password");
    // No embedded cluster: the data directory holds at most the demo agent's token file.
    expect(await readdir(dataDir)).not.toContain("postgres");

    await external.stop();
    await waitFor(async () => (await health(server)).status === 503, server.output);
    expect((await health(server)).body).toMatchObject({
      status: "degraded",
      database: { status: "unreachable", code: "WEIR_E_DB_UNREACHABLE" },
    });

    server.child.kill("SIGTERM");
    expect(await server.exited).toBe(0);
  });

  it("explains a taken port and exits non-zero", async () => {
    const dataDir = await tempDataDir();
    const env = { WEIR_DATA_DIR: dataDir, WEIR_PG_PORT: String(await freePort()) };
    const first = await startServer(env);
    const port = first.port;
    const child = spawn(process.execPath, [serverEntry], {
      cwd: repoRoot,
      env: {
        ...process.env,
        ...env,
        WEIR_PG_PORT: String(await freePort()),
        WEIR_DATA_DIR: await tempDataDir(),
        PORT: String(port),
        HOST: "127.0.0.1",
        DATABASE_URL: "",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stderr?.on("data", (chunk) => (output += chunk));
    const code = await new Promise((resolve) => child.on("exit", resolve));
    expect(code).toBe(1);
    expect(output).toContain(`WEIR_E_PORT_IN_USE: Port ${port} is already in use`);
    first.child.kill("SIGINT");
    await first.exited;
  });
});
