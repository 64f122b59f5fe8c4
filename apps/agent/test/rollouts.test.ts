import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "@weir/db/testing";
import { Agent, request } from "undici";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type ConnectedAgent, runConnected } from "../src/connected";
import { type NamedBackend, startNamedBackend } from "./support/backends";
import { eventually, startTestHub, type TestHub } from "./support/hub";

// Progressive rollouts end to end: the real control plane (API, hub, rollout controller) in this
// process, a real agent and engine, real backends, real traffic. The controller judges the new
// version from the agent's per-second telemetry, as in production.

let cp: TestHub;
let token: string;
const cleanups: Array<() => Promise<void>> = [];
beforeAll(async () => {
  cp = await startTestHub();
  token = (await cp.enrollmentToken()).token;
});
afterAll(() => cp.close());
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const dispatcher = new Agent({ connections: 16 });
afterAll(() => dispatcher.close());

interface World {
  agent: ConnectedAgent;
  port: number;
  poolId: string;
  backends: NamedBackend[];
}

/**
 * Clients of these tests all come from 127.0.0.1: they are told apart by an `x-client` header, the
 * pool's sticky key (with the default, client IP, they would all share one bucket).
 */
const BY_CLIENT = {
  stableVersion: "v1",
  canaryVersion: "v2",
  canaryPercent: 0,
  stickyOn: "header",
  stickyName: "x-client",
};

/** A pool with v1 backends a and b and v2 backend c, served by a fresh agent on its own listener. */
async function world(
  name: string,
  options: { v2FailEvery?: number; split?: Record<string, unknown> } = {},
): Promise<World> {
  const backends = [
    await startNamedBackend("a"),
    await startNamedBackend("b"),
    await startNamedBackend("c", 0, options.v2FailEvery ? { failEvery: options.v2FailEvery } : {}),
  ];
  cleanups.push(async () => {
    for (const b of backends) await b.close();
  });
  const pool = await cp.admin.pools.create({
    name,
    algorithm: "round_robin",
    healthCheck: { type: "none" },
    outlier: { enabled: false },
    trafficSplit: (options.split ?? BY_CLIENT) as never,
  });
  for (const [b, versionLabel] of [
    [backends[0], "v1"],
    [backends[1], "v1"],
    [backends[2], "v2"],
  ] as const)
    await cp.admin.backends.add({
      poolId: pool.item.id,
      host: "127.0.0.1",
      port: (b as NamedBackend).port,
      versionLabel,
    });
  const port = await freePort();
  await cp.admin.listeners.create({
    name: `${name}-l`,
    port,
    bindAddress: "127.0.0.1",
    agentSelector: { rollout: name },
    defaultPoolId: pool.item.id,
  });
  const dataDir = await mkdtemp(join(tmpdir(), "weir-rollout-"));
  const silent = { debug() {}, info() {}, warn() {}, error() {} };
  const agent = await runConnected({
    controlPlane: cp.url,
    token,
    name: `agent-${name}`,
    labels: { rollout: name },
    dataDir,
    softwareVersion: "test",
    logger: silent,
    reconnectMinMs: 100,
    reconnectMaxMs: 500,
  });
  cleanups.push(async () => {
    await agent.close();
    await rm(dataDir, { recursive: true, force: true });
  });
  await agent.welcomed;
  await eventually(() => agent.engine.config?.pools.some((p) => p.name === name), "the agent to run the pool");
  return { agent, port, poolId: pool.item.id, backends };
}

async function get(port: number, headers: Record<string, string> = {}): Promise<{ status: number; backend: string }> {
  const res = await request(`http://127.0.0.1:${port}/`, { dispatcher, headers });
  return { status: res.statusCode, backend: await res.body.text() };
}

/** Steady traffic (`rps` requests a second, each from its own client) until stopped; every answer kept. */
function traffic(port: number, rps: number) {
  const answers: Array<{ at: number; status: number; backend: string }> = [];
  let i = 0;
  let stopped = false;
  const timer = setInterval(() => {
    for (let n = 0; n < rps / 20; n++) {
      const client = `c-${i++ % 500}`;
      void get(port, { "x-client": client }).then(
        (a) => answers.push({ at: Date.now(), ...a }),
        () => answers.push({ at: Date.now(), status: 0, backend: "" }),
      );
    }
  }, 50);
  return {
    answers,
    stop: () => {
      if (!stopped) clearInterval(timer);
      stopped = true;
    },
  };
}

function splitOf(w: World, pool: string) {
  return w.agent.engine.config?.pools.find((p) => p.name === pool)?.trafficSplit;
}

describe("progressive rollouts", () => {
  it("aborts a canary whose new version answers 10% 500s, back to 100% stable within seconds", async () => {
    const w = await world("bad", { v2FailEvery: 10 });
    const load = traffic(w.port, 200);
    cleanups.push(async () => load.stop());
    const rollout = await cp.admin.rollouts.create({
      poolId: w.poolId,
      strategy: "canary",
      stableVersion: "v1",
      newVersion: "v2",
      steps: [{ setWeight: 30 }, { pause: { durationMs: 120_000 } }, { setWeight: 60 }],
      analysis: { intervalMs: 1000, windowMs: 2000, minRequests: 20, minSuccessRate: 0.99, failureLimit: 2 },
    });
    await cp.admin.rollouts.start({ id: rollout.id });
    const firstBad = await eventually(() => load.answers.find((a) => a.status === 500)?.at, "a first bad answer");
    await eventually(
      async () => (await cp.admin.rollouts.get({ id: rollout.id })).status === "degraded",
      "the abort",
      30_000,
    );
    const stable = await eventually(() => {
      const split = splitOf(w, "bad");
      return split?.stableVersion === "v1" && split.canaryPercent === 0 ? Date.now() : undefined;
    }, "100% stable on the agent");
    load.stop();
    const seen = load.answers.filter((a) => a.status === 500).length;
    const after = load.answers.filter((a) => a.at > stable + 500 && a.backend === "c").length;
    const row = await cp.admin.rollouts.get({ id: rollout.id });
    console.info(
      `canary with 10% errors: ${((stable - firstBad) / 1000).toFixed(1)} s from the first 500 to 100% stable on the agent; users saw ${seen} failed requests of ${load.answers.length}`,
    );
    expect(row.message).toMatch(/success rate/);
    expect(row.analysisRuns.some((r) => r.verdict === "failed")).toBe(true);
    expect(after).toBe(0);
    expect(seen).toBeGreaterThan(0);
  });

  it("takes a healthy canary through 10/25/50/100 with short pauses, and the new version becomes stable", async () => {
    const w = await world("good");
    const load = traffic(w.port, 100);
    cleanups.push(async () => load.stop());
    const rollout = await cp.admin.rollouts.create({
      poolId: w.poolId,
      strategy: "canary",
      stableVersion: "v1",
      newVersion: "v2",
      steps: [
        { setWeight: 10 },
        { pause: { durationMs: 1000 } },
        { setWeight: 25 },
        { pause: { durationMs: 1000 } },
        { setWeight: 50 },
        { analysis: { windowMs: 2000 } },
        { setWeight: 100 },
      ],
      analysis: { intervalMs: 1000, windowMs: 2000, minRequests: 10 },
    });
    await cp.admin.rollouts.start({ id: rollout.id });
    const weights = new Set<number>();
    const done = await eventually(
      async () => {
        const r = await cp.admin.rollouts.get({ id: rollout.id });
        weights.add(r.currentWeight);
        return r.status === "succeeded" ? r : undefined;
      },
      "the rollout to succeed",
      45_000,
    ).catch(async (error: Error) => {
      // Where it stands and the last verdicts, so a failure explains itself.
      const r = await cp.admin.rollouts.get({ id: rollout.id });
      throw new Error(
        `${error.message}: ${r.status} at step ${r.currentStep}: ${r.message}; verdicts: ${r.analysisRuns
          .slice(0, 3)
          .map((x) => x.reason)
          .join(" | ")}`,
      );
    });
    load.stop();
    expect(done.currentWeight).toBe(100);
    expect([...weights].filter((x) => [10, 25, 50].includes(x)).length).toBeGreaterThanOrEqual(2);
    await eventually(() => splitOf(w, "good")?.stableVersion === "v2", "v2 to be the stable version on the agent");
    const answers = await Promise.all(Array.from({ length: 20 }, () => get(w.port)));
    expect(new Set(answers.map((a) => a.backend))).toEqual(new Set(["c"]));
    expect(load.answers.filter((a) => a.status !== 200)).toEqual([]);
  });

  it("sends testers to the new version by header, and keeps each of 1,000 clients on its version as the weight grows", async () => {
    const w = await world("sticky");
    const rollout = await cp.admin.rollouts.create({
      poolId: w.poolId,
      strategy: "canary",
      stableVersion: "v1",
      newVersion: "v2",
      match: { header: { name: "x-canary" } },
      steps: [{ setWeight: 10 }, { pause: {} }, { setWeight: 40 }, { pause: {} }, { setWeight: 70 }, { pause: {} }],
      analysis: { minRequests: 1_000_000 },
    });
    await cp.admin.rollouts.start({ id: rollout.id });
    const onNew = new Set<string>();
    for (const weight of [10, 40, 70]) {
      await eventually(async () => {
        const r = await cp.admin.rollouts.get({ id: rollout.id });
        return r.currentWeight === weight && r.stepStartedAt !== null;
      }, `weight ${weight} reached`);
      // Testers always reach v2, whatever the weight.
      for (let i = 0; i < 10; i++) expect((await get(w.port, { "x-canary": "v2" })).backend).toBe("c");
      let now = 0;
      for (let batch = 0; batch < 1000; batch += 50) {
        const answers = await Promise.all(
          Array.from({ length: 50 }, (_, k) => get(w.port, { "x-client": `client-${batch + k}` })),
        );
        answers.forEach((a, k) => {
          const client = `client-${batch + k}`;
          if (a.backend === "c") {
            onNew.add(client);
            now++;
          } else expect(onNew.has(client), `${client} moved back from v2 to v1 at ${weight}%`).toBe(false);
        });
      }
      expect(Math.abs(now - weight * 10)).toBeLessThan(60);
      await cp.admin.rollouts.promote({ id: rollout.id });
    }
  });

  it("blue-green: previews the new version by header only, switches, and switches back within the hold", async () => {
    const w = await world("bg");
    const rollout = await cp.admin.rollouts.create({
      poolId: w.poolId,
      strategy: "blue_green",
      stableVersion: "v1",
      newVersion: "v2",
      blueGreen: { previewMatch: { header: { name: "x-preview" } }, holdMs: 120_000 },
      analysis: { minRequests: 1 },
    });
    await cp.admin.rollouts.start({ id: rollout.id });
    await eventually(
      async () => (await cp.admin.rollouts.get({ id: rollout.id })).stepStartedAt !== null,
      "the preview",
    );
    const plain = await Promise.all(Array.from({ length: 20 }, () => get(w.port)));
    expect(plain.every((a) => a.backend !== "c")).toBe(true);
    expect((await get(w.port, { "x-preview": "v2" })).backend).toBe("c");

    await cp.admin.rollouts.promote({ id: rollout.id });
    await eventually(() => splitOf(w, "bg")?.stableVersion === "v2", "the switch on the agent");
    expect(new Set((await Promise.all(Array.from({ length: 10 }, () => get(w.port)))).map((a) => a.backend))).toEqual(
      new Set(["c"]),
    );
    const holding = await cp.admin.rollouts.get({ id: rollout.id });
    expect(holding.status).toBe("progressing");

    await cp.admin.rollouts.rollback({ id: rollout.id });
    await eventually(() => splitOf(w, "bg")?.stableVersion === "v1", "the switch back on the agent");
    expect((await Promise.all(Array.from({ length: 10 }, () => get(w.port)))).every((a) => a.backend !== "c")).toBe(
      true,
    );
    expect((await cp.admin.rollouts.get({ id: rollout.id })).status).toBe("rolled_back");
  });

  it("resumes a canary at the same step after a control-plane restart", async () => {
    const w = await world("restart");
    const rollout = await cp.admin.rollouts.create({
      poolId: w.poolId,
      strategy: "canary",
      stableVersion: "v1",
      newVersion: "v2",
      steps: [{ setWeight: 20 }, { pause: { durationMs: 3000 } }, { setWeight: 50 }, { pause: {} }],
      analysis: { minRequests: 1_000_000 },
    });
    await cp.admin.rollouts.start({ id: rollout.id });
    await eventually(async () => {
      const r = await cp.admin.rollouts.get({ id: rollout.id });
      return r.currentStep === 1 && r.stepStartedAt !== null;
    }, "the first pause");
    await cp.stopHub();
    const during = await cp.admin.rollouts.get({ id: rollout.id });
    expect(during).toMatchObject({ currentStep: 1, currentWeight: 20 });
    await cp.startHub();
    // The pause runs out by its stored start; the rollout carries on to 50% and its open pause.
    const after = await eventually(
      async () => {
        const r = await cp.admin.rollouts.get({ id: rollout.id });
        return r.currentWeight === 50 && r.stepStartedAt !== null ? r : undefined;
      },
      "the rollout to continue after the restart",
      30_000,
    );
    expect(after.currentStep).toBe(3);
    await eventually(() => splitOf(w, "restart")?.canaryPercent === 50, "50% on the agent");
  });
});
