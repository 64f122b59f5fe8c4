// What the browser tests need beside the control plane, as `npm start` runs it: the demo backends
// and one real agent (the built apps/agent) fed by the control plane. Playwright starts this as a
// second web server and waits for the agent's /readyz; SIGTERM stops every process started here.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Supervisor } from "../../scripts/lib.mjs";

const controlPlane = process.env.WEIR_E2E_CONTROL_PLANE;
const dataDir = process.env.WEIR_E2E_DATA_DIR;
const adminAddress = process.env.WEIR_E2E_AGENT_ADMIN;
const backends = (process.env.WEIR_DEMO_BACKENDS ?? "").split(",").map((entry) => entry.split(":"));

async function waitForControlPlane() {
  for (let i = 0; i < 600; i++) {
    try {
      if ((await fetch(`${controlPlane}/api/health`)).status === 200) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error("the control plane did not come up");
}

const supervisor = new Supervisor();
await waitForControlPlane();
const versions = ["v1", "v1", "v2"];
backends.forEach(([host, port], i) => {
  supervisor.start(
    `backend ${port}`,
    "node",
    ["apps/demo/dist/backend.mjs", "--host", host, "--port", port, "--version", versions[i] ?? "v1"],
    { prefix: true },
  );
});
supervisor.start(
  "agent",
  "node",
  [
    "apps/agent/dist/main.mjs",
    "--control-plane",
    controlPlane,
    "--name",
    "e2e",
    "--data-dir",
    join(dataDir, "agent"),
    "--admin",
    adminAddress,
  ],
  {
    prefix: true,
    env: {
      ...process.env,
      WEIR_LOG_LEVEL: "warn",
      WEIR_AGENT_TOKEN: readFileSync(join(dataDir, "demo-agent.token"), "utf8").trim(),
    },
    critical: true,
  },
);
process.exit(await supervisor.done);
