import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { freePort, startTestPostgres, type TestPostgres } from "@weir/db/testing";
import { afterEach, beforeAll, describe, expect, it } from "vitest";

// These tests run the built control plane as a user would (node dist/server.mjs): real process,
// real signals, real Postgres. `npm test` builds first.
const webDir = fileURLToPath(new URL("..", import.meta.url));
const serverEntry = join(webDir, "dist", "server.mjs");
const repoRoot = join(webDir, "..", "..");

interface RunningServer {
  child: ChildProcess;
  port: number;
  output: () => string;
  exited: Promise<number | null>;
}

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

beforeAll(() => {
  if (!existsSync(serverEntry)) throw new Error(`${serverEntry} is missing: run \`npm run build\` first.`);
});

async function startServer(env: Record<string, string>): Promise<RunningServer> {
  const port = await freePort();
  const child = spawn(process.execPath, [serverEntry], {
    cwd: repoRoot,
    env: {
      ...process.env,
      PORT: String(port),
      HOST: "127.0.0.1",
      NEXT_TELEMETRY_DISABLED: "1",
      DATABASE_URL: "",
      WEIR_ADMIN_PASSWORD: "",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (chunk) => (output += chunk));
  child.stderr?.on("data", (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  cleanups.push(async () => {
    if (child.exitCode === null) {
      child.kill("SIGKILL");
      await exited;
    }
  });
  const server = { child, port, output: () => output, exited };
  await waitFor(
    async () => (await health(server)).status === 200,
    () => output,
  );
  return server;
}

async function health(server: RunningServer): Promise<{ status: number; body: Record<string, unknown> }> {
  try {
    const response = await fetch(`http://127.0.0.1:${server.port}/api/health`);
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  } catch {
    return { status: 0, body: {} };
  }
}

async function waitFor(condition: () => Promise<boolean>, describe: () => string, timeoutMs = 45_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`condition not met in ${timeoutMs} ms; output so far:\n${describe()}`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

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
    expect(await readdir(dataDir)).toEqual([]);

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
