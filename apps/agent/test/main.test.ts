import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

const bin = fileURLToPath(new URL("../bin/weir-agent.mjs", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "weir-agent-cli-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(...args: string[]) {
  return spawnSync(process.execPath, [bin, ...args], { encoding: "utf8", timeout: 30_000 });
}

describe("weir-agent command line", () => {
  it("prints its usage and exits 2 without --config or --control-plane", () => {
    const r = run();
    expect(r.status).toBe(2);
    expect(r.stdout).toContain("weir-agent --control-plane <url> --token <token>");
    expect(r.stdout).toContain("weir-agent --config <file.yaml|file.json>");
  });

  it("refuses --control-plane without a token, and both modes at once", () => {
    const noToken = spawnSync(process.execPath, [bin, "--control-plane", "http://127.0.0.1:1"], {
      encoding: "utf8",
      timeout: 30_000,
      env: { ...process.env, WEIR_AGENT_TOKEN: "" },
    });
    expect(noToken.status).toBe(1);
    expect(noToken.stderr).toContain(
      "--token or --token-file (or WEIR_AGENT_TOKEN / WEIR_AGENT_TOKEN_FILE) is required",
    );
    const both = run("--control-plane", "http://127.0.0.1:1", "--config", "x.yaml");
    expect(both.status).toBe(1);
    expect(both.stderr).toContain("--config and --control-plane exclude each other");
  });

  it("refuses an invalid file at start-up, naming every bad field, and exits 1", () => {
    const file = join(dir, "bad.yaml");
    writeFileSync(
      file,
      "version: 1\nlisteners: [{ name: web, bind: { port: 8080 }, routes: [{ name: r, pool: nope }] }]\npools: [{ name: p, algorithm: fastest }]\n",
    );
    const r = run("--config", file);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("WEIR_E_INVALID_CONFIG");
    expect(r.stderr).toContain("pools[0].algorithm");
  });

  it("reads the token from --token-file and goes on to connect (and keeps serving) without a control plane", async () => {
    const file = join(dir, "token");
    writeFileSync(file, "weir_agt_from-a-file\n");
    const child = spawn(
      process.execPath,
      [
        bin,
        "--control-plane",
        "http://127.0.0.1:1",
        "--token-file",
        file,
        "--data-dir",
        join(dir, "data"),
        "--name",
        "filed",
      ],
      { env: { ...process.env, WEIR_AGENT_TOKEN: "" } },
    );
    let stderr = "";
    child.stderr.on("data", (chunk) => (stderr += chunk));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no connection attempt seen: ${stderr}`)), 20_000);
      child.stderr.on("data", () => {
        if (stderr.includes("cannot reach the control plane")) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    child.kill("SIGTERM");
    await new Promise((resolve) => child.once("exit", resolve));
    expect(stderr).not.toContain("weir_agt_from-a-file");
  });
});
