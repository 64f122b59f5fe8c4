import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Role } from "@weir/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appRouter } from "../src/router";
import { type Caller, http, startTestApi, type TestApi } from "./support";

/**
 * Every procedure × every role, through the in-process caller and over REST. Each row names the
 * weakest role allowed and an input that succeeds for it; weaker callers must be refused with
 * 401/403 and change nothing. A procedure missing from this table fails the suite.
 */
type Minimum = Role | "anonymous";
interface Row {
  minimum: Minimum;
  /** An input that succeeds for `caller` when allowed (e.g. a token that caller owns). */
  input: (api: TestApi, caller: Minimum) => Promise<unknown> | unknown;
}

const unique = () => Math.random().toString(36).slice(2, 8);

const TABLE: Record<string, Row> = {
  "auth.signIn": {
    minimum: "anonymous",
    input: () => ({ email: "viewer@weir.test", password: "correct horse battery staple" }),
  },
  "auth.signOut": { minimum: "anonymous", input: () => ({}) },
  "auth.me": { minimum: "viewer", input: () => ({}) },
  "users.list": { minimum: "admin", input: () => ({}) },
  "users.create": {
    minimum: "admin",
    input: () => ({ email: `u-${unique()}@weir.test`, name: "New", role: "viewer", password: "long-enough-password" }),
  },
  "users.update": {
    minimum: "admin",
    input: async (api) => {
      const user = await api.db.user.create({
        data: { email: `t-${unique()}@weir.test`, name: "T", passwordHash: "x" },
      });
      return { id: user.id, version: user.version, name: "Renamed" };
    },
  },
  "tokens.list": { minimum: "viewer", input: () => ({}) },
  "tokens.create": { minimum: "viewer", input: () => ({ name: `t-${unique()}`, role: "viewer" }) },
  "tokens.revoke": {
    minimum: "viewer",
    input: async (api, caller) => {
      // Each caller revokes a token of their own; revoking someone else's is tested in tokens.test.ts.
      const owner = caller === "anonymous" ? "viewer" : caller;
      const token = await api.as(owner).tokens.create({ name: `r-${unique()}`, role: "viewer" });
      return { id: token.id };
    },
  },
  "enrollmentTokens.list": { minimum: "admin", input: () => ({}) },
  "enrollmentTokens.create": { minimum: "admin", input: () => ({ name: `agents-${unique()}` }) },
  "enrollmentTokens.revoke": {
    minimum: "admin",
    input: async (api) => ({ id: (await api.as("admin").enrollmentTokens.create({ name: `e-${unique()}` })).id }),
  },
  "stickyKeys.list": { minimum: "admin", input: () => ({}) },
  "stickyKeys.rotate": { minimum: "admin", input: () => ({}) },
  "pools.list": { minimum: "viewer", input: () => ({}) },
  "pools.get": { minimum: "viewer", input: async (api) => ({ id: (await ensurePool(api)).id }) },
  "pools.create": { minimum: "operator", input: () => ({ name: `p-${unique()}` }) },
  "pools.update": {
    minimum: "operator",
    input: async (api) => {
      const pool = await freshPool(api);
      return { id: pool.id, version: pool.version, description: "changed" };
    },
  },
  "pools.delete": {
    minimum: "operator",
    input: async (api) => {
      const pool = await freshPool(api);
      return { id: pool.id, version: pool.version };
    },
  },
  "backends.add": {
    minimum: "operator",
    input: async (api) => ({ poolId: (await ensurePool(api)).id, host: "10.9.0.1", port: nextPort() }),
  },
  "backends.update": { minimum: "operator", input: async (api) => ({ ...(await freshBackend(api)), weight: 7 }) },
  "backends.drain": { minimum: "operator", input: (api) => freshBackend(api) },
  "backends.enable": { minimum: "operator", input: (api) => freshBackend(api) },
  "backends.disable": { minimum: "operator", input: (api) => freshBackend(api) },
  "backends.remove": { minimum: "operator", input: (api) => freshBackend(api) },
  "listeners.list": { minimum: "viewer", input: () => ({}) },
  "listeners.get": { minimum: "viewer", input: async (api) => ({ id: (await freshListener(api)).id }) },
  "listeners.create": { minimum: "operator", input: () => ({ name: `l-${unique()}`, port: nextPort() }) },
  "listeners.update": {
    minimum: "operator",
    input: async (api) => ({ ...(await freshListener(api)), limits: { idleTimeoutMs: 5000 } }),
  },
  "listeners.delete": { minimum: "operator", input: (api) => freshListener(api) },
  "routes.create": {
    minimum: "operator",
    input: async (api) => ({
      listenerId: (await freshListener(api)).id,
      name: "r",
      poolId: (await ensurePool(api)).id,
    }),
  },
  "routes.update": { minimum: "operator", input: async (api) => ({ ...(await freshRoute(api)), priority: 5 }) },
  "routes.delete": { minimum: "operator", input: (api) => freshRoute(api) },
  "versions.list": { minimum: "viewer", input: () => ({}) },
  "versions.get": { minimum: "viewer", input: async (api) => ({ number: await latestVersion(api) }) },
  "versions.diff": {
    minimum: "viewer",
    input: async (api) => ({ from: await latestVersion(api), to: await latestVersion(api) }),
  },
  "versions.revert": { minimum: "operator", input: async (api) => ({ number: await latestVersion(api) }) },
  "config.validate": {
    minimum: "viewer",
    input: () => ({ procedure: "pools.create", input: { name: `v-${unique()}` } }),
  },
  "audit.list": { minimum: "viewer", input: () => ({}) },
  "agents.list": { minimum: "viewer", input: () => ({}) },
  "rollouts.list": { minimum: "viewer", input: () => ({}) },
  "rollouts.get": { minimum: "viewer", input: async (api) => ({ id: (await freshRollout(api, "pending")).id }) },
  "rollouts.create": {
    minimum: "operator",
    input: async (api) => ({ ...canary, poolId: (await versionedPool(api)).id }),
  },
  "rollouts.start": { minimum: "operator", input: async (api) => ({ id: (await freshRollout(api, "pending")).id }) },
  "rollouts.pause": { minimum: "operator", input: async (api) => ({ id: (await freshRollout(api, "started")).id }) },
  "rollouts.resume": { minimum: "operator", input: async (api) => ({ id: (await freshRollout(api, "paused")).id }) },
  "rollouts.promote": { minimum: "operator", input: async (api) => ({ id: (await freshRollout(api, "started")).id }) },
  "rollouts.abort": { minimum: "operator", input: async (api) => ({ id: (await freshRollout(api, "started")).id }) },
  "rollouts.retry": { minimum: "operator", input: async (api) => ({ id: (await freshRollout(api, "aborted")).id }) },
  "rollouts.rollback": {
    minimum: "operator",
    input: async (api) => ({ id: (await freshRollout(api, "succeeded")).id }),
  },
  "scaling.list": { minimum: "viewer", input: () => ({}) },
  "scaling.get": { minimum: "viewer", input: async (api) => ({ id: (await freshRule(api)).id }) },
  "scaling.decisions": { minimum: "viewer", input: async (api) => ({ id: (await freshRule(api)).id }) },
  "scaling.create": { minimum: "operator", input: async (api) => webhookRule((await freshPool(api)).id) },
  "scaling.update": {
    minimum: "operator",
    input: async (api) => {
      const rule = await freshRule(api);
      return { id: rule.id, version: rule.version, maxBackends: 5 };
    },
  },
  "scaling.delete": {
    minimum: "operator",
    input: async (api) => {
      const rule = await freshRule(api);
      return { id: rule.id, version: rule.version };
    },
  },
  "scaling.enable": { minimum: "operator", input: async (api) => ({ id: (await freshRule(api, false)).id }) },
  "scaling.disable": { minimum: "operator", input: async (api) => ({ id: (await freshRule(api)).id }) },
  "demo.traffic": { minimum: "viewer", input: () => ({}) },
  "demo.setTraffic": { minimum: "operator", input: () => ({ rate: 5 }) },
  "metrics.healthEvents": { minimum: "viewer", input: async (api) => ({ poolId: (await ensurePool(api)).id }) },
  "metrics.series": {
    minimum: "viewer",
    input: async (api) => ({
      poolId: (await ensurePool(api)).id,
      from: new Date(Date.now() - 60_000).toISOString(),
      to: new Date().toISOString(),
    }),
  },
};

async function latestVersion(api: TestApi): Promise<number> {
  const latest = await api.db.configVersion.findFirst({ orderBy: { number: "desc" } });
  if (latest) return latest.number;
  return (await api.as("admin").pools.create({ name: `seed-${unique()}` })).configVersion;
}

let port = 20_000;
const nextPort = () => port++;

async function ensurePool(api: TestApi) {
  return (
    (await api.db.pool.findUnique({ where: { name: "matrix" } })) ??
    (await api.db.pool.create({ data: { name: "matrix" } }))
  );
}

async function freshPool(api: TestApi) {
  return api.db.pool.create({ data: { name: `m-${unique()}` } });
}

async function freshListener(api: TestApi): Promise<{ id: string; version: number }> {
  const listener = await api.db.listener.create({ data: { name: `l-${unique()}`, port: nextPort() } });
  return { id: listener.id, version: listener.version };
}

async function freshRoute(api: TestApi): Promise<{ id: string; version: number }> {
  const route = await api.db.route.create({
    data: { listenerId: (await freshListener(api)).id, name: "r", poolId: (await ensurePool(api)).id, hosts: [] },
  });
  return { id: route.id, version: route.version };
}

async function freshBackend(api: TestApi): Promise<{ id: string; version: number }> {
  const backend = await api.db.backend.create({
    data: { poolId: (await ensurePool(api)).id, host: "10.9.1.1", port: nextPort() },
  });
  return { id: backend.id, version: backend.version };
}

const canary = {
  strategy: "canary",
  stableVersion: "v1",
  newVersion: "v2",
  steps: [{ setWeight: 10 }, { pause: {} }, { setWeight: 50 }],
};

/** A pool with one v1 and one v2 backend: what a rollout moves traffic between. */
async function versionedPool(api: TestApi) {
  return api.db.pool.create({
    data: {
      name: `ro-${unique()}`,
      backends: {
        create: [
          { host: "10.9.2.1", port: 80, versionLabel: "v1" },
          { host: "10.9.2.2", port: 80, versionLabel: "v2" },
        ],
      },
    },
  });
}

/** A scaling rule with a webhook actuator (nothing to start), on a pool of its own. */
function webhookRule(poolId: string) {
  return {
    poolId,
    name: `r-${unique()}`,
    metrics: [{ type: "rps_per_backend" as const, target: 50 }],
    actuator: { kind: "webhook" as const, url: "http://127.0.0.1:9/scale", secret: "s".repeat(16) },
  };
}

async function freshRule(api: TestApi, enabled = true) {
  return api.as("admin").scaling.create({ ...webhookRule((await freshPool(api)).id), enabled });
}

/** Stands in for the demo traffic generator's control endpoint (GET /, PUT /rate). */
async function fakeTrafficGenerator(): Promise<Server> {
  let rate = 20;
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => {
      body += chunk.toString();
    });
    req.on("end", () => {
      if (req.method === "PUT" && req.url === "/rate") rate = (JSON.parse(body) as { rate: number }).rate;
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ rate, sent: 10, inFlight: 0, skipped: 0, byStatus: { "200": 10 } }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return server;
}

/** A rollout in the given stage, brought there as an admin would (or, for succeeded, written directly). */
async function freshRollout(api: TestApi, stage: "pending" | "started" | "paused" | "aborted" | "succeeded") {
  const admin = api.as("admin");
  const rollout = await admin.rollouts.create({ ...canary, poolId: (await versionedPool(api)).id } as never);
  if (stage === "pending") return rollout;
  if (stage === "succeeded") {
    await api.db.rollout.update({
      where: { id: rollout.id },
      data: { status: "succeeded", currentStep: 4, currentWeight: 100, startedAt: new Date(), finishedAt: new Date() },
    });
    return rollout;
  }
  await admin.rollouts.start({ id: rollout.id });
  if (stage === "paused") await admin.rollouts.pause({ id: rollout.id });
  if (stage === "aborted") await admin.rollouts.abort({ id: rollout.id });
  return rollout;
}

const RANK: Record<Minimum, number> = { anonymous: 0, viewer: 1, operator: 2, admin: 3 };
const CALLERS: Minimum[] = ["anonymous", "viewer", "operator", "admin"];

function procedureOf(caller: Caller, path: string): (input: unknown) => Promise<unknown> {
  return path.split(".").reduce<unknown>((node, key) => (node as Record<string, unknown>)[key], caller) as (
    input: unknown,
  ) => Promise<unknown>;
}

describe("roles: which caller may call which procedure", () => {
  let api: TestApi;
  let tokens: Record<Role, string>;
  let generator: Server;
  beforeAll(async () => {
    generator = await fakeTrafficGenerator();
    api = await startTestApi({ demoTrafficControl: `127.0.0.1:${(generator.address() as AddressInfo).port}` });
    tokens = {} as Record<Role, string>;
    for (const role of ["viewer", "operator", "admin"] as const) {
      tokens[role] = (await api.as(role).tokens.create({ name: `matrix-${role}`, role })).token;
    }
  });
  afterAll(async () => {
    await api.close();
    generator.closeAllConnections();
    await new Promise((resolve) => generator.close(resolve));
  });

  it("covers every procedure of the router", () => {
    expect(Object.keys(appRouter._def.procedures).sort()).toEqual(Object.keys(TABLE).sort());
  });

  const cells = Object.entries(TABLE).flatMap(([path, row]) => CALLERS.map((caller) => ({ path, row, caller })));

  it.each(cells)("$path as $caller (in-process)", async ({ path, row, caller }) => {
    const input = await row.input(api, caller);
    const call = procedureOf(api.as(caller), path)(input);
    if (RANK[caller] >= RANK[row.minimum]) {
      await expect(call).resolves.toBeDefined();
    } else {
      await expect(call).rejects.toMatchObject({ code: caller === "anonymous" ? "UNAUTHORIZED" : "FORBIDDEN" });
    }
  });

  it.each(cells)("$path as $caller (REST with an API token)", async ({ path, row, caller }) => {
    const procedure = (
      appRouter._def.procedures as unknown as Record<
        string,
        { _def: { meta?: { openapi?: { method: string; path: string } } } }
      >
    )[path];
    const openapi = procedure?._def.meta?.openapi;
    expect(openapi, `${path} has no REST route`).toBeDefined();
    if (!openapi) return;
    const input = (await row.input(api, caller)) as Record<string, unknown>;
    let url = `/api/v1${openapi.path}`;
    const body = { ...input };
    for (const [key, value] of Object.entries(input)) {
      if (url.includes(`{${key}}`)) {
        url = url.replace(`{${key}}`, encodeURIComponent(String(value)));
        delete body[key];
      }
    }
    const hasBody = openapi.method !== "GET" && openapi.method !== "DELETE";
    if (!hasBody && Object.keys(body).length > 0) url += `?${new URLSearchParams(body as Record<string, string>)}`;
    const response = await http(api, openapi.method, url, {
      ...(caller === "anonymous" ? {} : { token: tokens[caller] }),
      ...(hasBody ? { body } : {}),
    });
    if (RANK[caller] >= RANK[row.minimum]) {
      expect(response.status, JSON.stringify(response.body)).toBe(200);
    } else {
      expect(response.status).toBe(caller === "anonymous" ? 401 : 403);
      expect(response.body.code).toBe(caller === "anonymous" ? "WEIR_E_UNAUTHENTICATED" : "WEIR_E_FORBIDDEN");
    }
  });
});
