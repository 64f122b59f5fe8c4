import { createHmac } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "@weir/db/testing";
import { Agent, request } from "undici";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type ConnectedAgent, runConnected } from "../src/connected";
import { startNamedBackend } from "./support/backends";
import { eventually, startTestHub, type TestHub } from "./support/hub";

// Autoscaling end to end: the real control plane (API, hub, scaling controller) in this process, a
// real agent and engine, backend processes the agent starts for the process actuator, real
// traffic. Windows are a few seconds long; nothing asserts how long anything took.

let cp: TestHub;
let token: string;
let dir: string;
let script: string;
const cleanups: Array<() => Promise<void>> = [];
beforeAll(async () => {
  cp = await startTestHub({
    scaling: { tickMs: 500, metricWindowSec: 2, drainTimeoutMs: 15_000, decisionEveryMs: 2_000 },
  });
  token = (await cp.enrollmentToken()).token;
  dir = await mkdtemp(join(tmpdir(), "weir-scaling-"));
  script = join(dir, "backend.mjs");
  await writeFile(script, BACKEND);
});
afterAll(async () => {
  await cp.close();
  await rm(dir, { recursive: true, force: true });
});
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A backend process: answers `<version>:<port>` after 2 ms, finishes what it serves on SIGTERM. */
const BACKEND = `
import http from "node:http";
const arg = (name) => process.argv[process.argv.indexOf("--" + name) + 1];
const port = Number(arg("port"));
const version = arg("version");
const server = http.createServer((req, res) => {
  req.resume();
  setTimeout(() => res.end(version + ":" + port), 2);
});
server.listen(port, "127.0.0.1");
process.on("SIGTERM", () => server.close(() => process.exit(0)));
`;

const dispatcher = new Agent({ connections: 64 });
afterAll(() => dispatcher.close());
const silent = { debug() {}, info() {}, warn() {}, error() {} };

async function startAgent(name: string, labels: Record<string, string>): Promise<ConnectedAgent> {
  const dataDir = await mkdtemp(join(tmpdir(), "weir-scaling-agent-"));
  const agent = await runConnected({
    controlPlane: cp.url,
    token,
    name,
    labels,
    dataDir,
    softwareVersion: "test",
    logger: silent,
    reconnectMinMs: 100,
    reconnectMaxMs: 500,
  });
  let closed = false;
  const closeAgent = agent.close;
  const close = async () => {
    if (closed) return;
    closed = true;
    await closeAgent();
    await rm(dataDir, { recursive: true, force: true });
  };
  cleanups.push(close);
  await agent.welcomed;
  return Object.assign(agent, { close });
}

interface World {
  agent: ConnectedAgent;
  agentName: string;
  port: number;
  poolId: string;
}

/** An empty pool (no retries: a request sent to a stopped backend would fail for all to see), its listener, and an agent serving it. */
async function world(name: string): Promise<World> {
  const pool = await cp.admin.pools.create({
    name,
    algorithm: "round_robin",
    healthCheck: { type: "none" },
    outlier: { enabled: false },
    retry: { attempts: 0 },
    slowStartMs: 1000,
  });
  const port = await freePort();
  await cp.admin.listeners.create({
    name: `${name}-l`,
    port,
    bindAddress: "127.0.0.1",
    agentSelector: { scaling: name },
    defaultPoolId: pool.item.id,
  });
  const agentName = `agent-${name}`;
  const agent = await startAgent(agentName, { scaling: name });
  await eventually(() => agent.engine.config?.pools.some((p) => p.name === name), "the agent to run the pool");
  return { agent, agentName, port, poolId: pool.item.id };
}

async function processRule(w: World, name: string, settings: Record<string, unknown>, agent = w.agentName) {
  const from = 20_000 + Math.floor(Math.random() * 40_000);
  return cp.admin.scaling.create({
    poolId: w.poolId,
    name,
    metrics: [{ type: "rps_per_backend", target: 20 }],
    tolerance: 0.1,
    scaleUpWindowSec: 0,
    actuator: {
      kind: "process",
      agent,
      commandTemplate: `node '${script}' --port {port} --version {version}`,
      portRange: { from, to: from + 19 },
      startupTimeoutMs: 10_000,
      stopGraceMs: 2_000,
    },
    ...settings,
  } as never);
}

/**
 * Open-loop traffic at `rate` requests a second until stopped; the rate can change while it runs.
 * Every answer is kept: a status other than 200, or no answer, is a failed request.
 */
function traffic(port: number, rate: number) {
  const answers: Array<{ at: number; status: number; body: string }> = [];
  let owed = 0;
  let current = rate;
  let inFlight = 0;
  const timer = setInterval(() => {
    owed += current / 20;
    for (; owed >= 1; owed--) {
      inFlight++;
      void request(`http://127.0.0.1:${port}/`, { dispatcher })
        .then(async (res) => answers.push({ at: Date.now(), status: res.statusCode, body: await res.body.text() }))
        .catch((error: Error) => answers.push({ at: Date.now(), status: 0, body: error.message }))
        .finally(() => inFlight--);
    }
  }, 50);
  const stop = async () => {
    clearInterval(timer);
    await eventually(() => inFlight === 0, "the last requests to finish");
  };
  cleanups.push(stop);
  return {
    answers,
    setRate: (r: number) => {
      current = r;
    },
    stop,
    failed: () => answers.filter((a) => a.status !== 200),
  };
}

/** The pool's backends as the database has them. */
async function backendsOf(poolId: string) {
  return cp.db.backend.findMany({ where: { poolId }, orderBy: { createdAt: "asc" } });
}

const active = async (poolId: string) => (await backendsOf(poolId)).filter((b) => b.state === "active").length;

/** Scale actions the rule took, from the audit log (actor system). */
async function scaleEvents(ruleId: string) {
  const rows = await cp.db.auditEvent.findMany({
    where: { targetId: ruleId, action: { in: ["scaling.scale_up", "scaling.scale_down"] } },
    orderBy: { at: "asc" },
  });
  return rows.map((r) => ({ action: r.action, actor: r.actorType, ...(r.after as { from: number; to: number }) }));
}

/** Watches the agent's running config every 25 ms: the most backends it ever ran, and each one's states. */
function watchEngine(agent: ConnectedAgent, pool: string) {
  const states = new Map<string, string[]>();
  let most = 0;
  const timer = setInterval(() => {
    const backends = agent.engine.config?.pools.find((p) => p.name === pool)?.backends ?? [];
    most = Math.max(most, backends.filter((b) => b.state === "active").length);
    for (const b of backends) {
      const seen = states.get(b.id) ?? [];
      if (seen[seen.length - 1] !== b.state) seen.push(b.state);
      states.set(b.id, seen);
    }
  }, 25);
  cleanups.push(async () => clearInterval(timer));
  return { states, most: () => most, stop: () => clearInterval(timer) };
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

describe("autoscaling with the process actuator", () => {
  it("scales up with the load to max and no further, then down after the window, draining each backend first, with no failed request", async () => {
    const w = await world("ramp");
    const engine = watchEngine(w.agent, "ramp");
    const rule = await processRule(w, "ramp", { minBackends: 1, maxBackends: 3, scaleDownWindowSec: 4 });

    // An empty pool is below the minimum: the first backend starts without any metric.
    await eventually(async () => (await active(w.poolId)) === 1, "the first backend", 20_000);
    const load = traffic(w.port, 10);
    await new Promise((r) => setTimeout(r, 3_000));
    expect(await active(w.poolId)).toBe(1);

    // 80 req/s against 20 per backend wants 4; max is 3.
    load.setRate(80);
    await eventually(async () => (await active(w.poolId)) === 3, "three backends", 30_000);
    await new Promise((r) => setTimeout(r, 3_000));
    expect(await active(w.poolId)).toBe(3);
    const capped = await cp.admin.scaling.decisions({ id: rule.id, limit: 200 });
    expect(capped.some((d) => /capped at maxBackends 3/.test(d.reason))).toBe(true);

    // Low load again: one backend is enough, once the 4 s scale-down window has passed.
    load.setRate(10);
    await eventually(
      async () => (await backendsOf(w.poolId)).length === 1,
      "the scale-down to one backend, drained and removed",
      40_000,
    );
    await new Promise((r) => setTimeout(r, 1_000));
    await load.stop();
    engine.stop();

    const decisions = (await cp.admin.scaling.decisions({ id: rule.id, limit: 500 })).reverse();
    const events = await scaleEvents(rule.id);
    const remaining = new Set((await backendsOf(w.poolId)).map((b) => b.id));
    const removed = [...engine.states].filter(([id]) => !remaining.has(id));
    console.info(
      `ramp: ${load.answers.length} requests, ${load.failed().length} failed; scale events ${events
        .map((e) => `${e.from}→${e.to}`)
        .join(", ")}; most backends on the agent ${engine.most()}; decisions ${decisions.length}`,
    );
    expect(load.failed()).toEqual([]);
    expect(engine.most()).toBeLessThanOrEqual(3);
    expect(events.every((e) => e.actor === "system")).toBe(true);
    // Up from the minimum to max (in one step or more, as the measured load rises), then down to 1.
    const ups = events.filter((e) => e.action === "scaling.scale_up");
    const downs = events.filter((e) => e.action === "scaling.scale_down");
    expect(ups[0]).toMatchObject({ from: 0, to: 1 });
    expect(ups[ups.length - 1]?.to).toBe(3);
    expect(events.every((e) => e.to <= 3)).toBe(true);
    expect(events.indexOf(downs[0] as (typeof events)[number])).toBe(ups.length);
    expect(downs[downs.length - 1]?.to).toBe(1);
    // Before it scaled down, the window held the lower recommendations back.
    const firstDown = decisions.findIndex((d) => d.action === "scale_down");
    expect(decisions.slice(0, firstDown).some((d) => /scale-down window/.test(d.reason))).toBe(true);
    // Each removed backend was draining on the agent before it left, and its process is stopped.
    expect(removed).toHaveLength(2);
    for (const [, states] of removed) expect(states).toEqual(["active", "draining"]);
    const gone = (await cp.db.auditEvent.findMany({ where: { targetId: rule.id, action: "scaling.remove" } })).flatMap(
      (a) => (a.after as { removed: string[] }).removed,
    );
    expect(gone).toHaveLength(2);
    for (const address of gone) {
      const port = Number(/:(\d+) /.exec(address)?.[1]);
      await eventually(async () => !(await accepts(port)), `the process on ${port} to stop`);
    }
  });

  it("does not flap when the load oscillates around the target", async () => {
    const w = await world("wave");
    const rule = await processRule(w, "wave", { minBackends: 2, maxBackends: 6, scaleDownWindowSec: 8 });
    await eventually(async () => (await active(w.poolId)) === 2, "the two first backends", 20_000);
    const before = (await scaleEvents(rule.id)).length;

    // 40 req/s is exactly 20 per backend on two; the load swings ±25% around it every 2 s.
    const load = traffic(w.port, 30);
    for (let i = 0; i < 10; i++) {
      load.setRate(i % 2 === 0 ? 30 : 50);
      await new Promise((r) => setTimeout(r, 2_000));
    }
    await load.stop();
    const events = (await scaleEvents(rule.id)).slice(before);
    console.info(
      `oscillating load: ${events.length} scale event(s) in 20 s (${events.map((e) => `${e.from}→${e.to}`).join(", ") || "none"}), ${load.failed().length} failed of ${load.answers.length}`,
    );
    expect(events.filter((e) => e.action === "scaling.scale_down")).toEqual([]);
    expect(events.length).toBeLessThanOrEqual(1);
    expect(load.failed()).toEqual([]);
  });

  it("follows missingMetrics when the proxy agent disconnects: hold, then the fallback count", async () => {
    // Two agents: one proxies the pool, the other (selected by no listener) runs the processes.
    const w = await world("dark");
    const runner = "runner-dark";
    await startAgent(runner, { role: "processes" });
    const rule = await processRule(w, "dark", { minBackends: 1, maxBackends: 4, scaleDownWindowSec: 5 }, runner);
    await eventually(async () => (await active(w.poolId)) === 1, "the first backend", 20_000);
    const load = traffic(w.port, 50);
    await eventually(async () => (await active(w.poolId)) === 3, "three backends for 50 req/s", 30_000);
    // The proxy goes away under load (its clients' requests fail: no agent, no proxy).
    const closedAt = Date.now();
    await (w.agent as ConnectedAgent & { close(): Promise<void> }).close();
    await load.stop();

    // No agent reports the pool: "hold" keeps the count, however low the last load was. (On a
    // loaded machine a burst in the last window may have asked for a fourth backend first.)
    const hold = await eventually(
      async () =>
        (await cp.admin.scaling.decisions({ id: rule.id, limit: 5 })).find(
          (d) => d.action === "hold" && Date.parse(d.at) >= closedAt && /no agent reported pool dark/.test(d.reason),
        ),
      "a hold decision",
      30_000,
    );
    expect(hold.currentBackends).toBeGreaterThanOrEqual(3);
    expect(hold.desiredBackends).toBe(hold.currentBackends);
    await new Promise((r) => setTimeout(r, 3_000));
    expect(await active(w.poolId)).toBe(hold.currentBackends);

    const current = await cp.admin.scaling.get({ id: rule.id });
    await cp.admin.scaling.update({
      id: rule.id,
      version: current.version,
      missingMetrics: "fallback_count",
      fallbackBackends: 2,
    });
    await eventually(async () => (await backendsOf(w.poolId)).length === 2, "the fallback count of 2", 30_000);
    const last = (await cp.admin.scaling.decisions({ id: rule.id, limit: 20 })).find((d) => d.action === "scale_down");
    expect(last?.reason).toMatch(/rps_per_backend missing \(fallback 2\)/);
  });
});

describe("autoscaling with the webhook actuator", () => {
  it("POSTs each new desired count once, signed with the rule's secret", async () => {
    const secret = "webhook-secret-for-the-test";
    const received: Array<{ body: string; signature: string | undefined; valid: boolean }> = [];
    const receiver: Server = createServer((req, res) => {
      let body = "";
      req.setEncoding("utf8");
      req.on("data", (chunk: string) => {
        body += chunk;
      });
      req.on("end", () => {
        const signature = req.headers["x-weir-signature"] as string | undefined;
        // The receiver's check, written from the documented scheme: sha256=<hex HMAC of the raw body>.
        const expected = `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
        received.push({ body, signature, valid: signature === expected });
        res.writeHead(200);
        res.end("ok");
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
    cleanups.push(() => new Promise((resolve) => receiver.close(() => resolve())));
    const receiverPort = (receiver.address() as { port: number }).port;

    const w = await world("hooked");
    const backend = await startNamedBackend("only");
    cleanups.push(() => backend.close());
    await cp.admin.backends.add({ poolId: w.poolId, host: "127.0.0.1", port: backend.port, versionLabel: "v1" });
    const rule = await cp.admin.scaling.create({
      poolId: w.poolId,
      name: "hooked",
      metrics: [{ type: "rps_per_backend", target: 20 }],
      minBackends: 1,
      maxBackends: 5,
      actuator: { kind: "webhook", url: `http://127.0.0.1:${receiverPort}/scale`, secret, retries: 0 },
    });
    // 60 req/s on one backend against 20 each: three backends' worth.
    const load = traffic(w.port, 60);
    await eventually(
      () => received.some((r) => JSON.parse(r.body).desired >= 3),
      "a call for at least three backends",
      20_000,
    );
    const calls = received.length;
    await new Promise((r) => setTimeout(r, 3_000));
    await load.stop();

    const payloads = received.map(
      (r) => JSON.parse(r.body) as { rule: string; pool: string; current: number; desired: number },
    );
    console.info(`webhook: ${received.length} call(s): ${payloads.map((p) => `${p.current}→${p.desired}`).join(", ")}`);
    expect(received.every((r) => r.valid)).toBe(true);
    expect(payloads[0]).toMatchObject({ rule: "hooked", pool: "hooked", current: 1 });
    // The count delivered is the rule's count from then on: each call asks for more, none repeats,
    // none goes past max, and none follows while the receiver has not added the backends yet.
    const desired = payloads.map((p) => p.desired);
    expect(desired).toEqual([...new Set(desired)].sort((a, b) => a - b));
    expect(Math.max(...desired)).toBeLessThanOrEqual(5);
    expect(received).toHaveLength(calls);
    const status = await cp.admin.scaling.get({ id: rule.id });
    expect(status.status.desired).toBe(desired[desired.length - 1]);
    expect(load.failed()).toEqual([]);
  });
});
