import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, startTestPostgres, type TestPostgres } from "@weir/db/testing";
import { Agent, request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  agentEntry,
  assertBuilt,
  type RunningProcess,
  type RunningServer,
  run,
  startServer,
  waitFor,
} from "./support/control-plane";

// The acceptance scenario of the agents feature, with every part a real process: a control plane
// (the built server) on its own Postgres, two agents (the built agent) and three backends; the
// control plane is killed under load and restarted, and an agent is restarted while it is down.

const cleanups: Array<() => Promise<void>> = [];
let postgres: TestPostgres;
let dataDir: string;
let server: RunningServer;
let serverPort: number;
let token: string;
let cookie: string;
const backends: Array<{ name: string; port: number; server: Server }> = [];
const agents: Record<string, { proc: RunningProcess; port: number; dataDir: string }> = {};
let poolId: string;
const backendIds: string[] = [];

beforeAll(async () => {
  assertBuilt();
  postgres = await startTestPostgres();
  cleanups.push(() => postgres.destroy());
  dataDir = await mkdtemp(join(tmpdir(), "weir-agents-it-"));
  cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
  serverPort = await freePort();
  server = await startControlPlane();
  for (const name of ["a", "b", "c"]) {
    const s = createServer((req, res) => {
      req.resume();
      res.end(name);
    });
    await new Promise<void>((resolve) => s.listen(0, "127.0.0.1", resolve));
    backends.push({ name, port: (s.address() as AddressInfo).port, server: s });
    cleanups.push(
      () =>
        new Promise<void>((resolve) => {
          s.closeAllConnections();
          s.close(() => resolve());
        }),
    );
  }
});

afterAll(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function startControlPlane(): Promise<RunningServer> {
  return startServer(
    { DATABASE_URL: postgres.url, WEIR_DATA_DIR: dataDir, WEIR_ADMIN_PASSWORD: "integration-pass", WEIR_DEMO: "0" },
    cleanups,
    serverPort,
  );
}

// biome-ignore lint/suspicious/noExplicitAny: the test reads arbitrary JSON answers
async function api(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const response = await fetch(`${server.url}/api/v1${path}`, {
    method,
    headers: {
      cookie,
      origin: server.url,
      ...(body !== undefined ? { "content-type": "application/json" } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

async function startAgent(name: string, port: number, dir?: string) {
  const agentDir = dir ?? (await mkdtemp(join(dataDir, `agent-${name}-`)));
  const proc = run(
    process.execPath,
    [agentEntry, "--control-plane", server.url, "--name", name, "--labels", `agent=${name}`, "--data-dir", agentDir],
    { WEIR_AGENT_TOKEN: token, WEIR_LOG_LEVEL: "info" },
    cleanups,
  );
  agents[name] = { proc, port, dataDir: agentDir };
  return agents[name];
}

/** Counts GET answers through an agent's listener by backend name; failures count by kind. */
async function send(port: number, n: number, dispatcher: Agent): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  let sent = 0;
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      while (sent < n) {
        sent++;
        let key: string;
        try {
          const res = await request(`http://127.0.0.1:${port}/`, { dispatcher });
          key = res.statusCode === 200 ? await res.body.text() : `status ${res.statusCode}`;
          if (res.statusCode !== 200) await res.body.dump();
        } catch (error) {
          key = `error ${(error as { code?: string }).code}`;
        }
        counts[key] = (counts[key] ?? 0) + 1;
      }
    }),
  );
  return counts;
}

/** True when both agents report running `version`. */
async function bothRun(version: number): Promise<boolean> {
  const v = await appliedVersions();
  return v.one === version && v.two === version;
}

async function appliedVersions(): Promise<Record<string, number | null>> {
  const { body } = await api("GET", "/agents");
  return Object.fromEntries(
    (body as Array<{ name: string; appliedConfigVersion: number | null }>).map((a) => [a.name, a.appliedConfigVersion]),
  );
}

describe("agents fed by a control plane process", () => {
  it("apply a weight change from the API and follow it; keep serving through a control-plane crash; resync", async () => {
    const signIn = await fetch(`${server.url}/api/v1/auth/sign-in`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email: "admin@weir.local", password: "integration-pass" }),
    });
    cookie = signIn.headers.get("set-cookie")?.split(";")[0] ?? "";
    token = (await api("POST", "/enrollment-tokens", { name: "it" })).body.token;
    expect(token).toMatch(/^weir_agt_/);

    const pool = await api("POST", "/pools", {
      name: "shop",
      algorithm: "weighted_round_robin",
      healthCheck: { type: "none" },
    });
    poolId = pool.body.item.id;
    for (const b of backends) {
      const added = await api("POST", `/pools/${poolId}/backends`, { host: "127.0.0.1", port: b.port, weight: 100 });
      expect(added.status).toBe(200);
      backendIds.push(added.body.item.id);
    }
    for (const name of ["one", "two"]) {
      const port = await freePort();
      const listener = await api("POST", "/listeners", {
        name: `shop-${name}`,
        port,
        bindAddress: "127.0.0.1",
        agentSelector: { agent: name },
        defaultPoolId: poolId,
      });
      expect(listener.status).toBe(200);
      await startAgent(name, port);
    }
    const dispatcher = new Agent({ connections: 4 });
    cleanups.push(() => dispatcher.close());

    let latest = (await api("GET", "/versions?limit=1")).body.items[0].number as number;
    await waitFor(
      () => bothRun(latest),
      () =>
        Object.values(agents)
          .map((a) => a.proc.output())
          .join("\n"),
    );
    for (const a of Object.values(agents))
      expect(await send(a.port, 300, dispatcher)).toEqual({ a: 100, b: 100, c: 100 });

    // Weights 1:2:3 through the API: acked by both agents, and the split through each follows.
    const current = (await api("GET", `/pools/${poolId}`)).body;
    const changed = Date.now();
    for (const [i, id] of backendIds.entries()) {
      const row = current.backends.find((b: { id: string }) => b.id === id);
      const res = await api("PATCH", `/backends/${id}`, { version: row.version, weight: 100 * (i + 1) });
      latest = res.body.configVersion;
    }
    await waitFor(
      () => bothRun(latest),
      () => "",
    );
    console.info(`weight change (3 writes) acked by both agents ${Date.now() - changed} ms after the first write`);
    for (const a of Object.values(agents))
      expect(await send(a.port, 600, dispatcher)).toEqual({ a: 100, b: 200, c: 300 });

    // The control plane dies under load: the agents keep serving, not one request fails.
    let failures = 0;
    let served = 0;
    let loading = true;
    const load = (async () => {
      while (loading) {
        for (const a of Object.values(agents)) {
          const counts = await send(a.port, 20, dispatcher);
          for (const [key, n] of Object.entries(counts)) {
            if (["a", "b", "c"].includes(key)) served += n;
            else failures += n;
          }
        }
      }
    })();
    await new Promise((resolve) => setTimeout(resolve, 500));
    server.child.kill("SIGKILL");
    await server.exited;
    await new Promise((resolve) => setTimeout(resolve, 2000));

    // An agent restarted while the control plane is down serves its last snapshot at once.
    const one = agents.one as { proc: RunningProcess; port: number; dataDir: string };
    loading = false;
    await load;
    one.proc.child.kill("SIGTERM");
    expect(await one.proc.exited).toBe(0);
    await startAgent("one", one.port, one.dataDir);
    await waitFor(
      async () =>
        (await send(one.port, 1, dispatcher)).a !== undefined || (await send(one.port, 1, dispatcher)).c !== undefined,
      () => agents.one?.proc.output() ?? "",
    );
    expect(await send(one.port, 60, dispatcher)).toEqual({ a: 10, b: 20, c: 30 });
    expect(failures).toBe(0);
    expect(served).toBeGreaterThan(100);

    // The control plane returns; a change made now reaches both agents.
    server = await startControlPlane();
    const again = await fetch(`${server.url}/api/v1/auth/sign-in`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email: "admin@weir.local", password: "integration-pass" }),
    });
    cookie = again.headers.get("set-cookie")?.split(";")[0] ?? "";
    const c = (await api("GET", `/pools/${poolId}`)).body.backends.find((b: { id: string }) => b.id === backendIds[2]);
    const drained = await api("POST", `/backends/${c.id}/drain`, { version: c.version });
    expect(drained.status).toBe(200);
    await waitFor(
      () => bothRun(drained.body.configVersion),
      () =>
        Object.values(agents)
          .map((a) => a.proc.output())
          .join("\n"),
    );
    for (const a of Object.values(agents)) {
      // c drained; a:b stays 1:2 (smooth WRR carries its running scores across the swap, so the
      // first picks may lean by one).
      const counts = await send(a.port, 90, dispatcher);
      expect(Object.keys(counts).sort()).toEqual(["a", "b"]);
      expect(Math.abs((counts.a ?? 0) - 30)).toBeLessThanOrEqual(2);
    }
  });
});
