// `npm start`: everything needed to see Weir running, from a fresh clone. Installs what is missing,
// builds, then runs the control plane (which starts its embedded Postgres unless DATABASE_URL is
// set, migrates, seeds the first admin and the demo, and serves http://localhost:3000) and, unless
// WEIR_DEMO=0, the demo around it: three demo backends, one local agent carrying the demo listener
// on http://localhost:8080, and a gentle traffic generator. Ctrl-C stops every process it started.
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { demoBackends, startAgent, startDemoBackends, waitForHttp } from "./demo.mjs";
import { build, buildEnv, ensureDependencies, Supervisor, say } from "./lib.mjs";

ensureDependencies();
build();

const env = { ...buildEnv(), NODE_ENV: "production" };
const port = Number(process.env.PORT ?? 3000);
const demo = !["0", "false", "no", "off"].includes((process.env.WEIR_DEMO ?? "1").toLowerCase());
const dataDir = resolve(process.env.WEIR_DATA_DIR ?? ".weir");
const demoPort = Number(process.env.WEIR_DEMO_PORT ?? 8080);

const supervisor = new Supervisor();
const controlPlane = supervisor.start("control plane", "node", ["--enable-source-maps", "apps/web/dist/server.mjs"], {
  env,
  critical: true,
});

if (demo) {
  try {
    await waitForHttp(`http://127.0.0.1:${port}/api/health`, { child: controlPlane, what: "the control plane" });
    await startDemo();
  } catch (error) {
    process.stderr.write(`The demo did not start: ${error.message}\n`);
  }
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
    admin: "127.0.0.1:9901",
    token,
    env: quiet.env,
  });
  // Traffic once the agent serves the demo listener, so the charts start clean.
  await waitForHttp("http://127.0.0.1:9901/readyz", { child: agent, what: "the demo agent" });
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
      "127.0.0.1:9199",
    ],
    { ...quiet, prefix: true },
  );
  say(
    `Demo: agent "local" serves http://localhost:${demoPort} (admin on 127.0.0.1:9901), backends on ${backends
      .map((b) => b.port)
      .join(", ")}, traffic at ${rate} requests/s. WEIR_DEMO=0 turns it off.`,
  );
}
