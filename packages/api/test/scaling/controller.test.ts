import type { PoolTick } from "@weir/config";
import { emptyHistogram } from "@weir/config";
import type { Backend } from "@weir/db";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { AgentCommand, AgentCommandPayload, AgentCommandReply } from "../../src/hub/agent-commands";
import type { KubernetesActuator } from "../../src/scaling/actuators/kubernetes";
import { type ScalingController, type ScalingHub, startScalingController } from "../../src/scaling/controller";
import { startTestApi, type TestApi } from "../support";

/**
 * The scaling controller against a real Postgres, with the hub's live data and the actuators'
 * far ends played by the test: what it does with a Kubernetes Deployment and its endpoints, how a
 * whole-pool rule shares its count between versions during a rollout, and what it keeps across a
 * restart. The end-to-end tests with a real agent, processes and traffic are in
 * apps/agent/test/scaling.test.ts.
 */
let api: TestApi;
beforeAll(async () => {
  api = await startTestApi();
});
afterAll(() => api.close());
const stops: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const stop of stops.splice(0).reverse()) await stop();
});

/**
 * Per-second ticks in which one agent reports every backend of the pool (as the database has them,
 * refreshed every 100 ms) healthy, and `rps` requests a second spread evenly over the active ones.
 * With `busyWhileDraining`, draining backends report requests in flight that never finish.
 */
function liveData(poolName: string) {
  const data = { rps: 0, backends: [] as Backend[], busyWhileDraining: false };
  const refresh = setInterval(() => {
    void api.db.backend
      .findMany({ where: { pool: { name: poolName } } })
      .then((rows) => {
        data.backends = rows;
      })
      .catch(() => {});
  }, 100);
  stops.push(async () => clearInterval(refresh));
  const until = () => Math.floor(Date.now() / 1000) * 1000;
  const point = (at: number, requests: number) => ({
    at,
    requests,
    rps: requests,
    s1xx: 0,
    s2xx: requests,
    s3xx: 0,
    s4xx: 0,
    s5xx: 0,
    errors: 0,
    errorRate: 0,
    retries: 0,
    active: 0,
    p50Ms: null,
    p95Ms: null,
    p99Ms: null,
  });
  const source = {
    liveUntil: until,
    poolHistory(pool: string): PoolTick[] {
      if (pool !== poolName) return [];
      const ticks: PoolTick[] = [];
      const versions = [...new Set(data.backends.map((b) => b.versionLabel))];
      for (let at = until() - 10_000; at < until(); at += 1000)
        ticks.push({
          pool,
          total: point(at, data.rps),
          versions: versions.map((version) => ({ version, point: point(at, 0) })),
          backends: data.backends.map((b) => ({
            id: b.id,
            version: b.versionLabel,
            health: b.state === "draining" ? ("draining" as const) : ("healthy" as const),
            reason: "",
            agents: 1,
            point: { ...point(at, 0), active: data.busyWhileDraining && b.state === "draining" ? 3 : 0 },
          })),
        });
      return ticks;
    },
    versionWindow(_pool: string, version: string, fromMs: number, toMs: number) {
      const serving = data.backends.filter((b) => b.state === "active");
      const share =
        serving.length === 0 ? 0 : serving.filter((b) => b.versionLabel === version).length / serving.length;
      const requests = Math.round((data.rps * share * (toMs - fromMs)) / 1000);
      return { requests, successes: requests, s5xx: 0, errors: 0, latency: emptyHistogram() };
    },
  };
  return { data, source };
}

/** An agent that "starts" processes instantly on consecutive ports and stops them. */
function fakeAgent() {
  let next = 41_000;
  const calls: Array<{ event: string; payload: unknown }> = [];
  const send = async <E extends AgentCommand>(
    _name: string,
    event: E,
    payload: AgentCommandPayload<E>,
  ): Promise<AgentCommandReply<E>> => {
    calls.push({ event, payload });
    if (event === "process:start") {
      const p = payload as AgentCommandPayload<"process:start">;
      const started = Array.from({ length: p.count }, () => ({
        host: "127.0.0.1",
        port: next++,
        pid: 1000 + next,
        version: p.version,
        state: "running" as const,
      }));
      return { started, failed: [], running: started } as AgentCommandReply<E>;
    }
    return { stopped: true, exitCode: 0, signal: null, running: [] } as AgentCommandReply<E>;
  };
  return { calls, send };
}

function controller(hub: ScalingHub, extra: { kubernetes?: () => KubernetesActuator } = {}): ScalingController {
  const c = startScalingController({
    db: api.db,
    databaseUrl: api.postgres.url,
    logger: { debug() {}, info() {}, warn() {}, error() {} },
    hub,
    tickMs: 200,
    metricWindowSec: 2,
    drainTimeoutMs: 10_000,
    decisionEveryMs: 1_000,
    kubernetesEveryMs: 200,
    ...extra,
  });
  stops.push(() => c.close());
  return c;
}

async function eventually<T>(condition: () => Promise<T | undefined | false>, what: string, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await condition();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const noExits = () => () => {};

describe("the scaling controller", () => {
  /** Processes on the fake agent "edge". */
  const EDGE_PROCESSES = {
    kind: "process",
    agent: "edge",
    commandTemplate: "node backend.mjs --port {port}",
    portRange: { from: 41_000, to: 41_099 },
  } as const;
  const KUBE_TARGET = {
    kind: "kubernetes",
    apiServer: "https://k8s.example:6443",
    tokenSecret: "bearer-token",
    namespace: "shop",
    deployment: "web",
    port: 8080,
  } as const;
  /** A controller whose Kubernetes rules all talk to `actuator`. */
  const kubeController = (live: ReturnType<typeof liveData>, actuator: KubernetesActuator) =>
    controller(
      { ...live.source, sendToAgent: fakeAgent().send, onProcessExit: noExits },
      { kubernetes: () => actuator },
    );

  it("kubernetes: scales the Deployment within max and keeps the pool in line with its ready endpoints", async () => {
    const pool = await api.db.pool.create({ data: { name: "kube" } });
    const live = liveData("kube");
    const k8s = { replicas: 2, ips: ["10.1.0.1", "10.1.0.2"], sets: [] as number[] };
    const actuator: KubernetesActuator = {
      getScale: async () => ({
        desired: k8s.replicas,
        observed: k8s.replicas,
        selector: "app=web",
        resourceVersion: "7",
      }),
      setReplicas: async (n) => {
        const from = k8s.replicas;
        k8s.sets.push(n);
        k8s.replicas = n;
        return { from, to: n, changed: from !== n };
      },
      discoverEndpoints: async () => ({ port: 8080, endpoints: k8s.ips.map((address) => ({ address })) }),
    };
    const rule = await api.as("operator").scaling.create({
      poolId: pool.id,
      name: "kube",
      metrics: [{ type: "rps_per_backend", target: 20 }],
      minBackends: 1,
      maxBackends: 5,
      scaleDownWindowSec: 600,
      actuator: KUBE_TARGET,
    });
    kubeController(live, actuator);

    const addresses = async () =>
      (await api.db.backend.findMany({ where: { poolId: pool.id }, orderBy: { host: "asc" } }))
        .map((b) => `${b.host}:${b.port} ${b.origin} ${b.state}`)
        .join(", ");
    await eventually(
      async () => (await addresses()) === "10.1.0.1:8080 discovery active, 10.1.0.2:8080 discovery active",
      "the endpoints in the pool",
    );

    // 200 req/s on two backends against 20 each wants 10: the Deployment gets max, 5.
    live.data.rps = 200;
    await eventually(async () => k8s.replicas === 5, "5 replicas");
    k8s.ips.push("10.1.0.3", "10.1.0.4", "10.1.0.5");
    await eventually(
      async () => (await api.db.backend.count({ where: { poolId: pool.id, state: "active" } })) === 5,
      "five backends",
    );
    await new Promise((r) => setTimeout(r, 1_000));
    expect(k8s.sets).toEqual([5]);

    // A pod goes away: its backend is drained, then removed.
    k8s.ips = k8s.ips.filter((ip) => ip !== "10.1.0.2");
    await eventually(async () => !(await addresses()).includes("10.1.0.2"), "10.1.0.2 removed");
    const actions = (await api.db.auditEvent.findMany({ where: { targetId: rule.id }, orderBy: { at: "asc" } })).map(
      (a) => a.action,
    );
    expect(actions.filter((a) => a !== "scaling_rule.create")).toEqual([
      "scaling.discover",
      "scaling.discover",
      "scaling.drain",
      "scaling.remove",
    ]);
    const decisions = await api.as("viewer").scaling.decisions({ id: rule.id, limit: 100 });
    expect(decisions.some((d) => d.action === "scale_up" && d.currentBackends === 2 && d.desiredBackends === 5)).toBe(
      true,
    );
  });

  it("kubernetes with a Service: the endpoints stay in step while the scale cannot be read, and the rule says why", async () => {
    const pool = await api.db.pool.create({ data: { name: "kube-svc" } });
    const live = liveData("kube-svc");
    const actuator: KubernetesActuator = {
      getScale: async () => {
        throw Object.assign(new Error("get scale of deployments/web in shop: HTTP 403 Forbidden"), {
          code: "WEIR_E_KUBERNETES_API",
        });
      },
      setReplicas: async () => {
        throw new Error("not reached");
      },
      discoverEndpoints: async () => ({ port: 8080, endpoints: [{ address: "10.2.0.1" }, { address: "10.2.0.2" }] }),
    };
    const rule = await api.as("operator").scaling.create({
      poolId: pool.id,
      name: "kube-svc",
      metrics: [{ type: "rps_per_backend", target: 20 }],
      actuator: { ...KUBE_TARGET, service: "web" },
    });
    kubeController(live, actuator);
    await eventually(
      async () => (await api.db.backend.count({ where: { poolId: pool.id, origin: "discovery" } })) === 2,
      "the endpoints in the pool",
    );
    const shown = await eventually(async () => {
      const r = await api.as("viewer").scaling.get({ id: rule.id });
      return r.status.lastError !== null ? r.status.lastError : undefined;
    }, "the failure on the rule");
    expect(shown).toMatchObject({ code: "WEIR_E_KUBERNETES_API" });
    expect(shown.message).toContain("HTTP 403 Forbidden");
  });

  it("during a canary, shares a whole-pool rule's backends between the versions by their traffic share", async () => {
    const pool = await api.db.pool.create({
      data: {
        name: "canary",
        trafficSplit: { stableVersion: "v1", canaryVersion: "v2", canaryPercent: 20 },
        backends: {
          create: [
            { host: "10.2.0.1", port: 80, versionLabel: "v1" },
            { host: "10.2.0.2", port: 80, versionLabel: "v1" },
            { host: "10.2.0.3", port: 80, versionLabel: "v2" },
          ],
        },
      },
    });
    const live = liveData("canary");
    const agent = fakeAgent();
    await api.as("operator").scaling.create({
      poolId: pool.id,
      name: "canary",
      metrics: [{ type: "rps_per_backend", target: 20 }],
      minBackends: 1,
      maxBackends: 10,
      policies: { up: [{ type: "backends", value: 20, periodSec: 1 }] },
      actuator: { ...EDGE_PROCESSES, commandTemplate: "node backend.mjs --port {port} --version {version}" },
    });
    controller({ ...live.source, sendToAgent: agent.send, onProcessExit: noExits });
    live.data.rps = 200;
    const byVersion = async () => {
      const rows = await api.db.backend.findMany({ where: { poolId: pool.id, state: "active" } });
      return `v1 ${rows.filter((b) => b.versionLabel === "v1").length}, v2 ${rows.filter((b) => b.versionLabel === "v2").length}`;
    };
    // 200 req/s against 20 per backend: 10 backends, 80% of them v1 and 20% v2.
    await eventually(async () => (await byVersion()) === "v1 8, v2 2", "8 v1 and 2 v2 backends");
    const started: Record<string, number> = {};
    for (const c of agent.calls.filter((c) => c.event === "process:start")) {
      const { version, count } = c.payload as { version: string; count: number };
      started[version] = (started[version] ?? 0) + count;
    }
    expect(started).toEqual({ v1: 6, v2: 1 });
  });

  it("keeps its scale events across a restart: a rate policy still holds after it", async () => {
    const pool = await api.db.pool.create({
      data: { name: "restart", backends: { create: [{ host: "10.3.0.1", port: 80, versionLabel: "v1" }] } },
    });
    const live = liveData("restart");
    const agent = fakeAgent();
    const rule = await api.as("operator").scaling.create({
      poolId: pool.id,
      name: "restart",
      metrics: [{ type: "rps_per_backend", target: 20 }],
      minBackends: 1,
      maxBackends: 5,
      policies: { up: [{ type: "backends", value: 1, periodSec: 600 }] },
      actuator: EDGE_PROCESSES,
    });
    const hub = { ...live.source, sendToAgent: agent.send, onProcessExit: noExits };
    const first = controller(hub);
    live.data.rps = 100;
    await eventually(
      async () => (await api.db.backend.count({ where: { poolId: pool.id } })) === 2,
      "one more backend",
    );
    await first.close();
    const restartedAt = Date.now();

    controller(hub);
    const limited = await eventually(
      async () =>
        (await api.as("viewer").scaling.decisions({ id: rule.id, limit: 5 })).find(
          (d) => Date.parse(d.at) >= restartedAt && /limited by the scale-up policy/.test(d.reason),
        ),
      "a decision of the new controller held by the policy",
    );
    expect(limited).toMatchObject({ currentBackends: 2, desiredBackends: 2 });
    expect(await api.db.backend.count({ where: { poolId: pool.id } })).toBe(2);
  });

  it("gives up draining a busy backend after the rule's own drain timeout", async () => {
    const pool = await api.db.pool.create({
      data: { name: "drain", backends: { create: [{ host: "10.4.0.1", port: 80, versionLabel: "v1" }] } },
    });
    const live = liveData("drain");
    live.data.busyWhileDraining = true;
    const agent = fakeAgent();
    const rule = await api.as("operator").scaling.create({
      poolId: pool.id,
      name: "drain",
      metrics: [{ type: "rps_per_backend", target: 20 }],
      minBackends: 1,
      maxBackends: 2,
      scaleDownWindowSec: 0,
      actuator: { ...EDGE_PROCESSES, drainTimeoutMs: 1_000 },
    });
    // The controller's own limit (10 s in these tests) is not what applies: the rule's 1 s is.
    controller({ ...live.source, sendToAgent: agent.send, onProcessExit: noExits });
    live.data.rps = 100;
    await eventually(async () => (await api.db.backend.count({ where: { poolId: pool.id } })) === 2, "two backends");
    live.data.rps = 0;
    const removedAt = await eventually(async () => {
      const remove = await api.db.auditEvent.findFirst({ where: { targetId: rule.id, action: "scaling.remove" } });
      return remove ?? undefined;
    }, "the drained backend removed");
    const drain = await api.db.auditEvent.findFirst({ where: { targetId: rule.id, action: "scaling.scale_down" } });
    expect(drain).not.toBeNull();
    expect(removedAt.after).toMatchObject({ reason: "drain timeout: still busy after 1000 ms" });
    expect(removedAt.at.getTime() - (drain?.at.getTime() ?? 0)).toBeLessThan(10_000);
    expect(await api.db.backend.count({ where: { poolId: pool.id } })).toBe(1);
  });
});
