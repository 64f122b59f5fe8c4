import { existsSync, lstatSync, mkdirSync, readlinkSync, rmSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { defineConfig } from "@playwright/test";
import { E2E_ADMIN } from "./support/session";
import { E2E_WORLD } from "./support/world";

const repoRoot = fileURLToPath(new URL("..", import.meta.url));
const port = Number(process.env.WEIR_E2E_PORT ?? 3100);
const dataDir = join(repoRoot, "e2e", ".data");

// The runner process starts the control plane once on a fresh data directory; workers load this
// file too and must not wipe it.
if (!process.env.TEST_WORKER_INDEX) {
  // As root in a checkout the postgres user cannot enter, the cluster lives in the system folder
  // behind a link (docs/database.md): the last run's goes with its data directory.
  const clusterLink = join(dataDir, "postgres");
  if (existsSync(clusterLink) && lstatSync(clusterLink).isSymbolicLink())
    rmSync(readlinkSync(clusterLink), { recursive: true, force: true });
  rmSync(dataDir, { recursive: true, force: true });
  mkdirSync(dataDir, { recursive: true });
}

export default defineConfig({
  testDir: ".",
  testMatch: "**/*.spec.ts",
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 60_000,
  reporter: process.env.PLAYWRIGHT_JSON_OUTPUT_NAME ? [["list"], ["json"]] : [["list"]],
  outputDir: join(repoRoot, "e2e", "test-results"),
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    browserName: "chromium",
    trace: "retain-on-failure",
    launchOptions: {
      // Debian's chromium: Playwright cannot download its own browser on offline machines.
      executablePath: process.env.WEIR_CHROMIUM ?? "/usr/bin/chromium",
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    },
  },
  webServer: [
    {
      command: "node --enable-source-maps apps/web/dist/server.mjs",
      cwd: repoRoot,
      url: `http://127.0.0.1:${port}/api/health`,
      timeout: 120_000,
      reuseExistingServer: false,
      stdout: "pipe",
      stderr: "pipe",
      gracefulShutdown: { signal: "SIGTERM", timeout: 15_000 },
      env: {
        PORT: String(port),
        HOST: "127.0.0.1",
        NODE_ENV: "production",
        WEIR_DATA_DIR: dataDir,
        WEIR_PG_PORT: process.env.WEIR_E2E_PG_PORT ?? "54339",
        WEIR_ADMIN_EMAIL: E2E_ADMIN.email,
        WEIR_ADMIN_PASSWORD: E2E_ADMIN.password,
        WEIR_DEMO_PORT: String(E2E_WORLD.demoListenerPort),
        WEIR_DEMO_BACKENDS: E2E_WORLD.demoBackends,
        NEXT_TELEMETRY_DISABLED: "1",
        DATABASE_URL: "",
      },
    },
    {
      // The demo backends and a real agent, once the control plane is up (see support/world.mjs).
      command: "node e2e/support/world.mjs",
      cwd: repoRoot,
      url: `http://${E2E_WORLD.agentAdmin}/readyz`,
      timeout: 120_000,
      reuseExistingServer: false,
      stdout: "pipe",
      stderr: "pipe",
      gracefulShutdown: { signal: "SIGTERM", timeout: 10_000 },
      env: {
        WEIR_E2E_CONTROL_PLANE: `http://127.0.0.1:${port}`,
        WEIR_E2E_DATA_DIR: dataDir,
        WEIR_E2E_AGENT_ADMIN: E2E_WORLD.agentAdmin,
        WEIR_DEMO_BACKENDS: E2E_WORLD.demoBackends,
      },
    },
  ],
});
