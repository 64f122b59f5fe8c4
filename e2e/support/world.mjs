// What the browser tests need beside the control plane, as `npm start` runs it: the demo backends
// and one real agent (the built apps/agent) fed by the control plane. Playwright starts this as a
// second web server and waits for the agent's /readyz; SIGTERM stops every process started here.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { demoBackends, startAgent, startDemoBackends, waitForHttp } from "../../scripts/demo.mjs";
import { Supervisor } from "../../scripts/lib.mjs";

const controlPlane = process.env.WEIR_E2E_CONTROL_PLANE;
const dataDir = process.env.WEIR_E2E_DATA_DIR;

const supervisor = new Supervisor();
await waitForHttp(`${controlPlane}/api/health`, { what: "the control plane", timeoutMs: 150_000 });
startDemoBackends(supervisor, demoBackends());
startAgent(supervisor, {
  controlPlane,
  name: "e2e",
  dataDir,
  admin: process.env.WEIR_E2E_AGENT_ADMIN,
  token: readFileSync(join(dataDir, "demo-agent.token"), "utf8").trim(),
  env: { ...process.env, WEIR_LOG_LEVEL: "warn" },
  critical: true,
});
process.exit(await supervisor.done);
