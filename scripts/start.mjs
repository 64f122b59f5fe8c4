// `npm start`: everything needed to see Weir running, from a fresh clone. Installs what is missing,
// builds, then runs the control plane (which starts its embedded Postgres unless DATABASE_URL is
// set, migrates, seeds the first admin and the demo, and serves http://localhost:3000) and, unless
// WEIR_DEMO=0, the demo around it: three demo backends, one local agent carrying the demo listener
// on http://localhost:8080, and a gentle traffic generator. Ctrl-C stops every process it started.
//
// Crash-only, as production is: a control plane that dies after it came up (killed, OOM) is
// started again with back-off while the agent, the backends and the traffic go on, so the demo
// shows traffic flowing through a control-plane outage. The new control plane takes over the
// embedded Postgres the dead one left running (see packages/db/src/embedded).
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { demoBackends, startAgent, startDemoBackends, waitForHttp } from "./demo.mjs";
import { build, buildEnv, ensureDependencies, root, Supervisor, say } from "./lib.mjs";

ensureDependencies();
build();

// The data directory is the checkout's `.weir` unless WEIR_DATA_DIR says otherwise (relative to
// where the command was typed); every child gets the same absolute path.
const dataDir = process.env.WEIR_DATA_DIR
  ? resolve(process.env.INIT_CWD ?? process.cwd(), process.env.WEIR_DATA_DIR)
  : join(root, ".weir");
const env = { ...buildEnv(), NODE_ENV: "production", WEIR_DATA_DIR: dataDir };
const port = Number(process.env.PORT ?? 3000);
const demo = !["0", "false", "no", "off"].includes((process.env.WEIR_DEMO ?? "1").toLowerCase());
const demoPort = Number(process.env.WEIR_DEMO_PORT ?? 8080);
const agentAdmin = process.env.WEIR_DEMO_AGENT_ADMIN ?? "127.0.0.1:9901";
const trafficControl = process.env.WEIR_DEMO_TRAFFIC_CONTROL ?? "127.0.0.1:9199";

const supervisor = new Supervisor();
const controlPlane = supervisor.start("control plane", "node", ["--enable-source-maps", "apps/web/dist/server.mjs"], {
  env,
  critical: true,
  restart: true,
});

try {
  await waitForHttp(`http://127.0.0.1:${port}/api/health`, { handle: controlPlane, what: "the control plane" });
  supervisor.ready(controlPlane);
  if (demo) await startDemo();
} catch (error) {
  process.stderr.write(`${demo ? "The demo did not start" : "The control plane did not start"}: ${error.message}\n`);
}
process.exit(await supervisor.done);

async function startDemo() {
  const token = readFileSync(join(dataDir, "demo-agent.token"), "utf8").trim();
  const backends = demoBackends();
  const quiet = { env: { ...env, WEIR_LOG_LEVEL: process.env.WEIR_LOG_LEVEL ?? "warn" } };
  startDemoBackends(supervisor, backends, quiet);
  const agent = startAgent(supervisor, {
    controlPlane: `http://127.0.0.1:${port}`,
    name: "local",
    labels: "env=demo",
    dataDir,
    admin: agentAdmin,
    token,
    env: quiet.env,
  });
  // Traffic once the agent serves the demo listener, so the charts start clean.
  await waitForHttp(`http://${agentAdmin}/readyz`, { handle: agent, what: "the demo agent" });
  const rate = process.env.WEIR_DEMO_RATE ?? "20";
  supervisor.start(
    "traffic",
    "node",
    [
      "apps/demo/dist/traffic.mjs",
      "--target",
      `http://127.0.0.1:${demoPort}`,
      "--rate",
      rate,
      "--control",
      trafficControl,
    ],
    { ...quiet, prefix: true },
  );
  say(
    `Demo: agent "local" serves http://localhost:${demoPort} (admin on ${agentAdmin}), backends on ${backends
      .map((b) => b.port)
      .join(", ")}, traffic at ${rate} requests/s. WEIR_DEMO=0 turns it off.`,
  );
}
