import { mkdtemp, rm } from "node:fs/promises";
import { type AddressInfo, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "@weir/db/testing";
import { io, type Socket } from "socket.io-client";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type ConnectedAgent, runConnected } from "../src/connected";
import { createLogger } from "../src/log";
import { countAnswers, type NamedBackend, startNamedBackend } from "./support/backends";
import { eventually, startTestHub, type TestHub } from "./support/hub";

// A real control plane in this process (Postgres, API, hub) and real agents with real engines,
// talking over real Socket.IO connections, carrying real HTTP traffic to real backends.

let cp: TestHub;
let backends: NamedBackend[];
const cleanups: Array<() => Promise<void>> = [];

beforeAll(async () => {
  cp = await startTestHub();
  backends = await Promise.all(["a", "b", "c"].map((n) => startNamedBackend(n)));
});
afterAll(async () => {
  await Promise.all(backends.map((b) => b.close()));
  await cp.close();
});
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function agent(options: {
  token: string;
  controlPlane?: string;
  admin?: string;
  name: string;
  labels?: Record<string, string>;
  dataDir?: string;
  protocolVersion?: number;
}): Promise<ConnectedAgent & { dataDir: string; logs: string[] }> {
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), "weir-agent-data-")));
  const logs: string[] = [];
  const a = await runConnected({
    controlPlane: options.controlPlane ?? cp.url,
    token: options.token,
    name: options.name,
    labels: options.labels ?? {},
    dataDir,
    softwareVersion: "0.1.0-test",
    logger: createLogger("debug", (line) => logs.push(line)),
    admin: options.admin,
    reconnectMinMs: 100,
    reconnectMaxMs: 500,
    ...(options.protocolVersion !== undefined ? { protocolVersion: options.protocolVersion } : {}),
  });
  cleanups.push(async () => {
    await a.close();
    if (options.dataDir === undefined) await rm(dataDir, { recursive: true, force: true });
  });
  return Object.assign(a, { dataDir, logs });
}

/** A bare Socket.IO client speaking the agent protocol by hand, once the hub has welcomed it. */
async function rawAgent(token: string, name: string): Promise<Socket> {
  const raw = io(`${cp.url}/agents`, {
    transports: ["websocket"],
    reconnection: false,
    auth: { token, name, softwareVersion: "x", protocolVersion: 1 },
  });
  cleanups.push(async () => {
    raw.close();
  });
  await new Promise<void>((resolve, reject) => {
    raw.once("welcome", () => resolve());
    raw.once("connect_error", reject);
  });
  return raw;
}

/** A pool over backends a and b, weights 1:1, and one listener per agent label `agent=<name>`. */
async function setUpPool(name: string, agents: string[]) {
  const pool = await cp.admin.pools.create({
    name,
    algorithm: "weighted_round_robin",
    healthCheck: { type: "none" },
  });
  const ids: string[] = [];
  for (const b of backends.slice(0, 2)) {
    const added = await cp.admin.backends.add({ poolId: pool.item.id, host: "127.0.0.1", port: b.port, weight: 100 });
    ids.push(added.item.id);
  }
  const ports: Record<string, number> = {};
  for (const a of agents) {
    ports[a] = await freePort();
    const listener = await cp.admin.listeners.create({
      name: `${name}-${a}`,
      port: ports[a],
      bindAddress: "127.0.0.1",
      agentSelector: { agent: a },
      defaultPoolId: pool.item.id,
    });
    expect(listener.configVersion).toBeGreaterThan(0);
  }
  return { poolId: pool.item.id, backendIds: ids, ports };
}

describe("connected agent", () => {
  it("runs the config the hub pushes, acks it, and follows a weight change", async () => {
    const { token } = await cp.enrollmentToken();
    const { poolId, backendIds, ports } = await setUpPool("weights", ["w1", "w2"]);
    const a1 = await agent({ token, name: "w1", labels: { agent: "w1" } });
    const a2 = await agent({ token, name: "w2", labels: { agent: "w2" } });
    await Promise.all([a1.welcomed, a2.welcomed]);
    const latest = await eventually(() => cp.hub().latestVersion(), "a config version");
    expect((await cp.hub().waitForAcks(latest)).complete).toBe(true);
    for (const [name, port] of Object.entries(ports)) {
      const counts = await countAnswers(port as number, 200);
      expect(counts, `through ${name}`).toEqual({ a: 100, b: 100 });
    }

    // 1:3 through the API; both agents ack it, and the split through each follows.
    const row = await cp.admin.pools.get({ id: poolId });
    const b = row.backends.find((x) => x.id === backendIds[1])!;
    const change = await cp.admin.backends.update({ id: b.id, version: b.version, weight: 300 });
    const acks = await cp.hub().waitForAcks(change.configVersion, { pool: "weights", timeoutMs: 5000 });
    expect(acks).toEqual({ complete: true, pending: [] });
    for (const port of Object.values(ports)) {
      const counts = await countAnswers(port as number, 400);
      expect(counts).toEqual({ a: 100, b: 300 });
    }
    const listed = await cp.admin.agents.list();
    for (const name of ["w1", "w2"]) {
      const row = listed.find((x) => x.name === name);
      expect(row).toMatchObject({ connected: true, appliedConfigVersion: change.configVersion, lastError: null });
    }
  });

  it("nacks an invalid snapshot forced past validation, keeps serving, and the API says why", async () => {
    const { token } = await cp.enrollmentToken();
    const { ports } = await setUpPool("forced", ["f1"]);
    const a = await agent({ token, name: "f1", labels: { agent: "f1" } });
    await a.welcomed;
    const good = await eventually(() => cp.hub().latestVersion(), "a version");
    await cp.hub().waitForAcks(good);
    expect(a.engine.config?.version).toBe(good);

    // Written behind the API's back: the stored snapshot names an algorithm no engine knows.
    const latest = await cp.db.configVersion.findFirstOrThrow({ orderBy: { number: "desc" } });
    const snapshot = structuredClone(latest.snapshot) as {
      engine: { version: number; pools: Array<{ name: string; algorithm: string }> };
    };
    const bad = latest.number + 1;
    snapshot.engine.version = bad;
    for (const p of snapshot.engine.pools) if (p.name === "forced") p.algorithm = "fastest";
    await cp.db.configVersion.create({
      data: { number: bad, snapshot: snapshot as never, hash: "forced", summary: "forced" },
    });
    await cp.db.$executeRaw`SELECT pg_notify('weir_config_version', ${String(bad)})`;

    const row = await eventually(async () => {
      const r = (await cp.admin.agents.list()).find((x) => x.name === "f1");
      return r?.rejectedConfigVersion === bad ? r : undefined;
    }, "the agent's refusal to be recorded");
    expect(row.lastError).toContain("WEIR_E_INVALID_CONFIG");
    expect(row.lastError).toMatch(/pools\[\d+\]\.algorithm/);
    expect(row.appliedConfigVersion).toBe(good);
    expect(a.engine.config?.version).toBe(good);
    expect(await countAnswers(ports.f1 as number, 20)).toEqual({ a: 10, b: 10 });
    expect(a.logs.join("\n")).toContain("config refused; still running the previous one");
  });

  it("13.6: a listener whose port another program holds: acked partial, listed with the reason, retried until it serves", async () => {
    const { token } = await cp.enrollmentToken();
    const { poolId, ports } = await setUpPool("partial", ["pa1"]);
    const blocker = createServer();
    const taken = await new Promise<number>((resolve) =>
      blocker.listen(0, "127.0.0.1", () => resolve((blocker.address() as AddressInfo).port)),
    );
    cleanups.push(
      () => new Promise<void>((resolve) => (blocker.listening ? blocker.close(() => resolve()) : resolve())),
    );
    const late = await cp.admin.listeners.create({
      name: "partial-late",
      port: taken,
      bindAddress: "127.0.0.1",
      agentSelector: { agent: "pa1" },
      defaultPoolId: poolId,
    });
    const admin = `127.0.0.1:${await freePort()}`;
    const a = await agent({ token, name: "pa1", labels: { agent: "pa1" }, admin });
    await a.welcomed;

    // Everything else committed and serves; the agents list says which listener failed and why.
    const row = await eventually(async () => {
      const r = (await cp.admin.agents.list()).find((x) => x.name === "pa1");
      return r?.appliedConfigVersion === late.configVersion && r.listenerFailures.length > 0 ? r : undefined;
    }, "the partial apply to be recorded");
    expect(row.listenerFailures).toEqual([
      { name: "partial-late", reason: `127.0.0.1:${taken} is in use by another program` },
    ]);
    expect(row.lastError).toBeNull();
    expect(await countAnswers(ports.pa1 as number, 20)).toEqual({ a: 10, b: 10 });
    const notReady = await fetch(`http://${admin}/readyz`);
    expect(notReady.status).toBe(503);
    expect(((await notReady.json()) as { reason: string }).reason).toContain(
      `listener partial-late: 127.0.0.1:${taken} is in use by another program`,
    );

    // The other program lets go: the agent binds it on retry and acks the same version, applied.
    await new Promise<void>((resolve) => blocker.close(() => resolve()));
    await eventually(async () => {
      const r = (await cp.admin.agents.list()).find((x) => x.name === "pa1");
      return r?.listenerFailures.length === 0 ? r : undefined;
    }, "the listener to bind on retry");
    expect(await countAnswers(taken, 20)).toEqual({ a: 10, b: 10 });
    expect((await fetch(`http://${admin}/readyz`)).status).toBe(200);
  });

  it("13.8: agents get the fleet's sticky keys with their config, never in a config version; a rotation reaches them", async () => {
    const { token } = await cp.enrollmentToken();
    await setUpPool("sticky", ["sk1"]);
    const a = await agent({ token, name: "sk1", labels: { agent: "sk1" } });
    await a.welcomed;
    const keys = await eventually(() => {
      const k = a.engine.config?.stickyKeys;
      return k !== undefined && k.length > 0 ? k : undefined;
    }, "the sticky keys to reach the agent");
    const secrets = keys.map((k) => k.secret);
    // Admins see ids and ages; nobody sees a secret, in the API or in any stored version.
    const listed = await cp.admin.stickyKeys.list();
    expect(listed[0]).toMatchObject({ id: keys[0]?.id, signs: true });
    expect(JSON.stringify(listed)).not.toContain(secrets[0]);
    const versions = await cp.db.configVersion.findMany({ select: { snapshot: true } });
    for (const secret of secrets) expect(JSON.stringify(versions)).not.toContain(secret);
    const latest = await cp.admin.versions.get({ number: (await cp.hub().latestVersion()) ?? 0 });
    for (const secret of secrets) expect(JSON.stringify(latest)).not.toContain(secret);

    // Rotated: the agent signs with the new key and still accepts the old one.
    const rotated = await cp.admin.stickyKeys.rotate();
    await eventually(() => a.engine.config?.stickyKeys[0]?.id === rotated.id, "the rotated key to reach the agent");
    expect(a.engine.config?.stickyKeys.map((k) => k.id)).toEqual([rotated.id, keys[0]?.id]);
    const audit = await cp.db.auditEvent.findFirstOrThrow({
      where: { action: "sticky_key.rotate" },
      select: { before: true, after: true },
    });
    expect(JSON.stringify(audit)).not.toContain(a.engine.config?.stickyKeys[0]?.secret);
  });

  it("refuses a wrong token, a revoked one (dropping its agent) and an unknown protocol, saying why", async () => {
    const wrong = await agent({ token: "weir_agt_not-a-real-token", name: "intruder" });
    await eventually(() => wrong.lastError(), "a refusal");
    expect(wrong.lastError()).toMatch(/WEIR_E_AGENT_UNAUTHORIZED: the enrollment token is not valid/);
    expect(wrong.connected()).toBe(false);
    expect((await cp.admin.agents.list()).some((x) => x.name === "intruder")).toBe(false);

    const { id, token } = await cp.enrollmentToken("to-revoke");
    const a = await agent({ token, name: "revokee" });
    await a.welcomed;
    await cp.admin.enrollmentTokens.revoke({ id });
    await eventually(() => !a.connected() && a.lastError()?.includes("revoked"), "the agent to be dropped and refused");
    expect(a.lastError()).toMatch(/WEIR_E_AGENT_UNAUTHORIZED: the enrollment token was revoked/);

    const { token: ok } = await cp.enrollmentToken();
    const old = await agent({ token: ok, name: "from-the-future", protocolVersion: 99 });
    await eventually(() => old.lastError(), "a refusal");
    expect(old.lastError()).toMatch(
      /WEIR_E_PROTOCOL_VERSION: protocol version 99 is not supported; this control plane accepts 1/,
    );
  });

  it("drops a malformed telemetry message and logs it; the hub keeps serving", async () => {
    const { token } = await cp.enrollmentToken();
    const before = cp.hub().stats().malformed;
    const raw = await rawAgent(token, "garbled");
    raw.emit("telemetry", { seq: "one", backends: [{ pool: 42 }] });
    raw.emit("health", { transitions: [] });
    raw.emit("config:ack", { version: -1 });
    await eventually(() => cp.hub().stats().malformed >= before + 3, "the messages to be dropped");
    expect(cp.logs.some((l) => l.includes("dropped a malformed telemetry message from agent garbled: seq"))).toBe(true);
    // Still serving: another agent connects and is welcomed.
    const fine = await agent({ token, name: "fine" });
    await fine.welcomed;
  });

  it("records acks and refusals in the order the agent sent them, however fast they come", async () => {
    // An agent that applies a burst of versions acks each in turn; the row must end on the last
    // one, not on whichever write the database happened to finish last.
    const { token } = await cp.enrollmentToken();
    const raw = await rawAgent(token, "quick");
    const row = () => cp.db.agent.findFirstOrThrow({ where: { name: "quick" } });
    // Waits for the expected value, then long enough for any stale write still queued to land.
    const settled = async (expected: number) => {
      await eventually(async () => (await row()).appliedConfigVersion === expected, "the last ack", 5_000).catch(
        () => undefined,
      );
      await new Promise((r) => setTimeout(r, 300));
      return row();
    };
    for (let v = 1_000; v <= 1_060; v++) raw.emit("config:ack", { version: v, applyMs: 1 });
    expect((await settled(1_060)).appliedConfigVersion).toBe(1_060);

    // A refusal after acks: the row names it and still says what runs.
    for (let v = 1_061; v <= 1_090; v++) raw.emit("config:ack", { version: v, applyMs: 1 });
    raw.emit("config:nack", { version: 1_091, code: "WEIR_E_INVALID_CONFIG", reason: "bad", running: 1_090 });
    const after = await settled(1_090);
    expect(after.appliedConfigVersion).toBe(1_090);
    expect(after.rejectedConfigVersion).toBe(1_091);
    expect(after.lastError).toBe("WEIR_E_INVALID_CONFIG: bad");

    // A later version acked, after a reconnection: the refusal is history.
    raw.close();
    const again = await rawAgent(token, "quick");
    again.emit("config:ack", { version: 1_092, applyMs: 1 });
    const fixed = await settled(1_092);
    expect(fixed).toMatchObject({ rejectedConfigVersion: null, lastError: null, lastErrorAt: null });
  });

  it("a connection's late disconnection does not mark a newer connection of the agent disconnected", async () => {
    const { token } = await cp.enrollmentToken();
    const connect = () => rawAgent(token, "twice");
    const row = () => cp.db.agent.findFirstOrThrow({ where: { name: "twice" } });
    const first = await connect();
    // The agent registers again through another replica (its row's version moves on) before
    // this replica hears the old connection close.
    await cp.db.agent.updateMany({ where: { name: "twice" }, data: { version: { increment: 1 } } });
    first.close();
    await eventually(() => cp.logs.some((l) => l.includes("agent twice disconnected")), "the disconnection");
    await new Promise((r) => setTimeout(r, 300));
    expect((await row()).connected).toBe(true);

    // Its own disconnection, with no newer connection, is recorded.
    const second = await connect();
    second.close();
    await eventually(async () => (await row()).connected === false, "the agent marked disconnected");
  });

  it("serves its stored config after a restart while the control plane is down, then resyncs", async () => {
    const { token } = await cp.enrollmentToken();
    const { poolId, backendIds, ports } = await setUpPool("outage", ["o1"]);
    const dataDir = await mkdtemp(join(tmpdir(), "weir-agent-keep-"));
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    const first = await agent({ token, name: "o1", labels: { agent: "o1" }, dataDir });
    await first.welcomed;
    const version = await eventually(() => cp.hub().latestVersion(), "a version");
    await cp.hub().waitForAcks(version);
    await first.close();

    await cp.stopHub();
    // Changed while the hub is down: b gets all the traffic.
    const pool = await cp.admin.pools.get({ id: poolId });
    const a = pool.backends.find((x) => x.id === backendIds[0])!;
    const change = await cp.admin.backends.update({ id: a.id, version: a.version, weight: 0 });

    const second = await agent({ token, name: "o1", labels: { agent: "o1" }, dataDir, admin: "127.0.0.1:0" });
    expect(second.engine.config?.version).toBe(version);
    expect(await countAnswers(ports.o1 as number, 20)).toEqual({ a: 10, b: 10 });
    expect(second.connected()).toBe(false);
    // Ready (it serves), though not connected; probes and scrapers see both.
    const admin = `http://127.0.0.1:${second.adminPort()}`;
    expect((await fetch(`${admin}/readyz`)).status).toBe(200);
    expect(await (await fetch(`${admin}/status`)).json()).toMatchObject({ connected: false, configVersion: version });
    expect(await (await fetch(`${admin}/metrics`)).text()).toContain("weir_config_version ");

    await cp.startHub();
    await eventually(() => second.engine.config?.version === change.configVersion, "the agent to resync");
    expect(await countAnswers(ports.o1 as number, 20)).toEqual({ b: 20 });
  });

  it("gets a change made through one control-plane replica while connected to another", async () => {
    const { token } = await cp.enrollmentToken();
    const { poolId, backendIds, ports } = await setUpPool("replicated", ["r1"]);
    // The replica polls only once a minute: what reaches it in time is the NOTIFY.
    const replica = await cp.startReplica();
    cleanups.push(() => replica.close());
    const a = await agent({ token, name: "r1", labels: { agent: "r1" }, controlPlane: replica.url });
    await a.welcomed;
    await eventually(() => a.engine.config !== undefined, "the first config");
    const pool = await cp.admin.pools.get({ id: poolId });
    const b = pool.backends.find((x) => x.id === backendIds[1]);
    if (b === undefined) throw new Error("backend b missing");
    const change = await cp.admin.backends.drain({ id: b.id, version: b.version });
    const acks = await replica.hub.waitForAcks(change.configVersion, { pool: "replicated", timeoutMs: 10_000 });
    expect(acks.complete).toBe(true);
    expect(await countAnswers(ports.r1 as number, 10)).toEqual({ a: 10 });
  });

  it("reports per-backend telemetry that the hub merges across agents", async () => {
    const { token } = await cp.enrollmentToken();
    const { ports } = await setUpPool("metered", ["m1", "m2"]);
    const m1 = await agent({ token, name: "m1", labels: { agent: "m1" } });
    const m2 = await agent({ token, name: "m2", labels: { agent: "m2" } });
    await Promise.all([m1.welcomed, m2.welcomed]);
    await cp.hub().waitForAcks(await eventually(() => cp.hub().latestVersion(), "a version"));
    await countAnswers(ports.m1 as number, 100);
    await countAnswers(ports.m2 as number, 60);
    const totals = await eventually(() => {
      const history = cp.hub().poolHistory("metered");
      const requests = history.reduce((sum, t) => sum + t.total.requests, 0);
      return requests >= 160 ? history : undefined;
    }, "160 requests in the live series");
    const requests = totals.reduce((sum, t) => sum + t.total.requests, 0);
    const s2xx = totals.reduce((sum, t) => sum + t.total.s2xx, 0);
    expect(requests).toBe(160);
    expect(s2xx).toBe(160);
    const last = totals[totals.length - 1]!;
    expect(last.backends.map((b) => [b.health, b.agents])).toEqual([
      ["healthy", 2],
      ["healthy", 2],
    ]);
    const busy = totals.filter((t) => t.total.requests > 0);
    expect(busy.every((t) => t.total.p50Ms !== null && t.total.p99Ms! >= t.total.p50Ms!)).toBe(true);
  });
});
