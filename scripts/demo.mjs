// The demo around a control plane, shared by `npm start` (scripts/start.mjs) and the browser tests
// (e2e/support/world.mjs): demo backends, one agent fed by the control plane, and a way to wait
// for each to answer.

/** The demo backends, from `WEIR_DEMO_BACKENDS` ("host:port,host:port,..."); the third is v2. */
export function demoBackends(list = process.env.WEIR_DEMO_BACKENDS ?? "127.0.0.1:9101,127.0.0.1:9102,127.0.0.1:9103") {
  const versions = ["v1", "v1", "v2"];
  return list
    .split(",")
    .map((entry) => entry.trim().split(":"))
    .map(([host, port], index) => ({ host, port, version: versions[index] ?? "v1" }));
}

/** Starts a demo backend process for each local address; remote ones are someone else's backends. */
export function startDemoBackends(supervisor, backends, options) {
  for (const { host, port, version } of backends) {
    if (!["127.0.0.1", "localhost", "0.0.0.0", "::1"].includes(host)) continue;
    supervisor.start(
      `backend ${version}:${port}`,
      "node",
      ["apps/demo/dist/backend.mjs", "--host", "127.0.0.1", "--port", port, "--version", version],
      { prefix: true, ...options },
    );
  }
}

/**
 * Starts the built agent, fed by `controlPlane`, with its enrollment token read from the control
 * plane's data directory. The token goes through the environment, not the command line `ps` shows.
 */
export function startAgent(supervisor, { controlPlane, name, labels, dataDir, admin, token, env, critical = false }) {
  return supervisor.start(
    "agent",
    "node",
    [
      "--enable-source-maps",
      "apps/agent/dist/main.mjs",
      "--control-plane",
      controlPlane,
      "--name",
      name,
      ...(labels ? ["--labels", labels] : []),
      "--data-dir",
      `${dataDir}/agent`,
      "--admin",
      admin,
    ],
    { env: { ...env, WEIR_AGENT_TOKEN: token }, prefix: true, critical },
  );
}

/** Resolves once `url` answers 200; throws when `handle`'s process stops for good first, or after `timeoutMs`. */
export async function waitForHttp(url, { handle, what, timeoutMs = 180_000 }) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (handle?.stopped) throw new Error(`${what} stopped`);
    try {
      if ((await fetch(url)).status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${what} did not become ready in ${Math.round(timeoutMs / 1000)} s`);
}
