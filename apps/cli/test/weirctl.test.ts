import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { chmod, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { freePort } from "@weir/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// weirctl against a real control plane, both as built (`npm test` builds first).
const repoRoot = fileURLToPath(new URL("../../..", import.meta.url));
const weirctl = join(repoRoot, "apps", "cli", "dist", "weirctl.mjs");
const server = join(repoRoot, "apps", "web", "dist", "server.mjs");
const PASSWORD = "weirctl-test-password";

let dir: string;
let url: string;
let controlPlane: ChildProcess;

function run(args: string[], input?: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [weirctl, ...args], {
      cwd: repoRoot,
      env: { ...process.env, WEIRCTL_CONFIG: join(dir, "weirctl.json"), WEIR_URL: "", WEIR_TOKEN: "" },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.stdin.end(input ?? "");
    child.on("exit", (code) => resolve({ code, stdout, stderr }));
  });
}

beforeAll(async () => {
  for (const file of [weirctl, server])
    if (!existsSync(file)) throw new Error(`${file} is missing: run \`npm run build\` first.`);
  dir = await mkdtemp(join(tmpdir(), "weirctl-"));
  // As root, the embedded Postgres runs as the postgres user, which must be able to enter it.
  await chmod(dir, 0o711);
  const port = await freePort();
  url = `http://127.0.0.1:${port}`;
  controlPlane = spawn(process.execPath, [server], {
    cwd: repoRoot,
    env: {
      ...process.env,
      PORT: String(port),
      HOST: "127.0.0.1",
      DATABASE_URL: "",
      WEIR_DATA_DIR: join(dir, "data"),
      WEIR_PG_PORT: String(await freePort()),
      WEIR_ADMIN_PASSWORD: PASSWORD,
      WEIR_DEMO: "0",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  controlPlane.stdout?.on("data", (chunk) => (output += chunk));
  controlPlane.stderr?.on("data", (chunk) => (output += chunk));
  for (let i = 0; i < 200; i++) {
    if ((await fetch(`${url}/api/health`).catch(() => undefined))?.ok) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`control plane did not start:\n${output}`);
});

afterAll(async () => {
  if (controlPlane.exitCode === null) {
    controlPlane.kill("SIGTERM");
    await new Promise((resolve) => controlPlane.once("exit", resolve));
  }
  await rm(dir, { recursive: true, force: true });
});

describe("weirctl", () => {
  it("logs in with email and password and keeps only a token, readable by its owner alone", async () => {
    const login = await run(["login", "--url", url, "--email", "admin@weir.local"], `${PASSWORD}\n`);
    expect(login.stderr).not.toContain("weirctl:");
    expect(login.code).toBe(0);
    expect(login.stdout).toContain(`Logged in to ${url} as admin@weir.local (admin)`);
    const saved = await readFile(join(dir, "weirctl.json"), "utf8");
    expect(saved).toContain('"token": "weir_pat_');
    expect(saved).not.toContain(PASSWORD);
    expect((await stat(join(dir, "weirctl.json"))).mode & 0o777).toBe(0o600);
  });

  it("applies examples/pools.yaml, printing the changes; the second run reports none", async () => {
    const first = await run(["apply", "-f", "examples/pools.yaml"]);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain("+ pool checkout");
    expect(first.stdout).toContain("+ backend checkout 10.0.0.13:8080 (v2, weight 20)");
    expect(first.stdout).toContain("+ backend search search-2.internal:9200 (v1, weight 100, draining)");
    expect(first.stdout).toMatch(/7 change\(s\) applied\./);

    const second = await run(["apply", "-f", "examples/pools.yaml"]);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toBe("No changes.\n");

    const pool = JSON.parse((await run(["get", "pool", "checkout", "-o", "json"])).stdout);
    expect(pool).toMatchObject({
      algorithm: "least_connections",
      healthCheck: { intervalMs: 2000 },
      retry: { attempts: 2 },
    });
    expect(pool.backends.map((b: { host: string; weight: number }) => [b.host, b.weight])).toEqual([
      ["10.0.0.11", 100],
      ["10.0.0.12", 100],
      ["10.0.0.13", 20],
    ]);
  });

  it("shows a changed file's diff first, applies nothing with --dry-run, then applies it", async () => {
    const edited = (await readFile(join(repoRoot, "examples", "pools.yaml"), "utf8"))
      .replace("weight: 20", "weight: 40")
      .replace(/ {6}- address: 10\.0\.0\.12:8080\n {8}weight: 100\n {8}version: v1\n/, "");
    const file = join(dir, "edited.yaml");
    await writeFile(file, edited);
    const plan = await run(["apply", "-f", file, "--dry-run"]);
    expect(plan.stdout).toBe(
      "~ backend checkout 10.0.0.13:8080: weight 20 → 40\n- backend checkout 10.0.0.12:8080\n2 change(s) planned; --dry-run: nothing applied.\n",
    );
    expect((await run(["apply", "-f", file])).stdout).toContain("2 change(s) applied.");
    expect((await run(["apply", "-f", file])).stdout).toBe("No changes.\n");
    const versions = await run(["versions", "ls"]);
    expect(versions.stdout).toContain("checkout: 10.0.0.13:8080 weight 20 → 40");
  });

  it("explains a bad file by field and changes nothing", async () => {
    const file = join(dir, "bad.yaml");
    await writeFile(file, "pools:\n  - name: Bad_Name\n    backends:\n      - address: nowhere\n");
    const result = await run(["apply", "-f", file]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("pools.0.name: must be lowercase letters");
    expect(result.stderr).toContain("pools.0.backends.0.address: must be host:port");
  });

  it("manages backends one at a time and reports API errors with their code", async () => {
    expect((await run(["backends", "drain", "checkout", "10.0.0.11:8080"])).stdout).toContain("drain done");
    const pool = JSON.parse((await run(["get", "pool", "checkout", "-o", "json"])).stdout);
    expect(pool.backends[0].state).toBe("draining");
    const missing = await run(["pools", "get", "nope"]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe("weirctl: WEIR_E_NOT_FOUND: No pool with id or name nope.\n");
  });

  it("creates a rollout from a file, starts, pauses and aborts it", async () => {
    // The test before drained the only v1 backend left: a rollout needs one serving.
    expect((await run(["backends", "enable", "checkout", "10.0.0.11:8080"])).code).toBe(0);
    const created = await run(["rollouts", "create", "-f", "examples/rollout.yaml"]);
    expect(created.code, created.stderr).toBe(0);
    const id = /rollout (\S+) created on checkout \(canary, pending\)/.exec(created.stdout)?.[1];
    expect(id).toBeDefined();
    const started = await run(["rollouts", "start", id as string]);
    expect(started.stdout).toMatch(/^checkout v1→v2: progressing, step 0, 10% to v2/);
    const listed = await run(["rollouts", "ls", "checkout"]);
    expect(listed.stdout).toContain(`${id}  checkout  canary    v1→v2`);
    expect((await run(["rollouts", "pause", id as string])).stdout).toContain("paused");
    const again = await run(["rollouts", "start", id as string]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("WEIR_E_ROLLOUT_STATE: Cannot start");
    const aborted = await run(["rollouts", "abort", id as string]);
    expect(aborted.stdout).toMatch(/aborted, step \d+, 0% to v2/);
    const pool = JSON.parse((await run(["get", "pool", "checkout", "-o", "json"])).stdout);
    expect(pool.trafficSplit).toMatchObject({ stableVersion: "v1", canaryPercent: 0 });
  });

  it("creates a scaling rule from a file, lists it without its secret, disables it and reads its decisions", async () => {
    const created = await run(["scaling", "create", "-f", "examples/scaling.yaml"]);
    expect(created.code, created.stderr).toBe(0);
    const id = /scaling rule checkout-rps \((\S+)\) created on checkout/.exec(created.stdout)?.[1];
    expect(id).toBeDefined();
    const listed = await run(["scaling", "ls", "checkout"]);
    expect(listed.stdout).toMatch(/checkout-rps\s+checkout\s+yes/);
    const shown = await run(["scaling", "get", id as string]);
    expect(shown.stdout).not.toContain("change-me-to-a-long-random-secret");
    expect(shown.stdout).toContain("secretSet: true");
    expect((await run(["scaling", "disable", id as string])).stdout).toContain("checkout-rps disabled");
    const decisions = await run(["scaling", "decisions", id as string]);
    expect(decisions.code, decisions.stderr).toBe(0);
    expect(decisions.stdout.split("\n")[0]).toMatch(/^WHEN\s+ACTION\s+BACKENDS/);
  });
});
