// `npm start`: everything needed to see Weir running, from a fresh clone. Installs what is missing,
// builds, then runs the control plane (which starts its embedded Postgres unless DATABASE_URL is
// set, migrates, seeds the first admin and the demo, and serves http://localhost:3000) and, unless
// WEIR_DEMO=0, the demo around it: three demo backends, one local agent carrying the demo listener
// on http://localhost:8080, and a gentle traffic generator. Ctrl-C stops every process it started.
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
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
    await waitFor(`http://127.0.0.1:${port}/api/health`, controlPlane, "the control plane");
    await startDemo();
  } catch (error) {
    process.stderr.write(`The demo did not start: ${error.message}\n`);
  }
}
process.exit(await supervisor.done);

/** Resolves once `url` answers 200; throws when `child` exits first or after 3 minutes. */
async function waitFor(url, child, what) {
  const deadline = Date.now() + 180_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${what} stopped`);
    try {
      const response = await fetch(url);
      if (response.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${what} did not become ready in 3 minutes`);
}

async function startDemo() {
  const token = readFileSync(join(dataDir, "demo-agent.token"), "utf8").trim();
  const backends = (process.env.WEIR_DEMO_BACKENDS ?? "127.0.0.1:9101,127.0.0.1:9102,127.0.0.1:9103")
    .split(",")
    .map((entry) => entry.trim().split(":"));
  const versions = ["v1", "v1", "v2"];
  const quiet = { env: { ...env, WEIR_LOG_LEVEL: process.env.WEIR_LOG_LEVEL ?? "warn" }, prefix: true };
  backends.forEach(([host, backendPort], index) => {
    // Only local addresses are ours to start; remote ones are someone else's backends.
    if (!["127.0.0.1", "localhost", "0.0.0.0", "::1"].includes(host)) return;
    supervisor.start(
      `backend ${versions[index]}:${backendPort}`,
      "node",
      ["apps/demo/dist/backend.mjs", "--host", "127.0.0.1", "--port", backendPort, "--version", versions[index]],
      quiet,
    );
  });
  const agent = supervisor.start(
    "agent",
    "node",
    [
      "--enable-source-maps",
      "apps/agent/dist/main.mjs",
      "--control-plane",
      `http://127.0.0.1:${port}`,
      "--name",
      "local",
      "--labels",
      "env=demo",
      "--data-dir",
      join(dataDir, "agent"),
      "--admin",
      "127.0.0.1:9901",
    ],
    // The token goes through the environment, not the command line that `ps` shows.
    { env: { ...quiet.env, WEIR_AGENT_TOKEN: token }, prefix: true },
  );
  // Traffic once the agent serves the demo listener, so the charts start clean.
  await waitFor("http://127.0.0.1:9901/readyz", agent, "the demo agent");
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
    quiet,
  );
  say(
    `Demo: agent "local" serves http://localhost:${demoPort} (admin on 127.0.0.1:9901), backends on ${backends
      .map((b) => b[1])
      .join(", ")}, traffic at ${rate} requests/s. WEIR_DEMO=0 turns it off.`,
  );
}
