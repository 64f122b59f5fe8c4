import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { http, startTestApi, type TestApi } from "./support";

describe("pools and backends", () => {
  let api: TestApi;
  let token: string;
  beforeAll(async () => {
    api = await startTestApi();
    token = (await api.as("operator").tokens.create({ name: "ops-script", role: "operator" })).token;
  });
  afterAll(async () => {
    await api.close();
  });

  const counts = async () => ({
    versions: await api.db.configVersion.count(),
    audit: await api.db.auditEvent.count(),
  });

  it("creates a pool and a backend over REST; each write is a new config version with an audit event", async () => {
    const before = await counts();
    const pool = await http(api, "POST", "/api/v1/pools", {
      token,
      body: { name: "checkout", algorithm: "least_connections" },
    });
    expect(pool.status, JSON.stringify(pool.body)).toBe(200);
    expect(pool.body.item).toMatchObject({
      name: "checkout",
      algorithm: "least_connections",
      version: 1,
      backends: [],
    });
    expect(pool.body.item.healthCheck).toMatchObject({ type: "http", path: "/healthz", intervalMs: 5000 });

    const backend = await http(api, "POST", `/api/v1/pools/${pool.body.item.id}/backends`, {
      token,
      body: { host: "10.0.0.7", port: 8080, weight: 30, versionLabel: "v2" },
    });
    expect(backend.status, JSON.stringify(backend.body)).toBe(200);
    expect(backend.body.configVersion).toBe(pool.body.configVersion + 1);

    const after = await counts();
    expect(after.versions - before.versions).toBe(2);
    expect(after.audit - before.audit).toBe(2);
    const version = await api.db.configVersion.findUniqueOrThrow({ where: { number: backend.body.configVersion } });
    expect(version.summary).toBe("checkout: backend 10.0.0.7:8080 (v2, weight 30) added");
    const snapshot = version.snapshot as { engine: { pools: Array<{ name: string; backends: unknown[] }> } };
    expect(snapshot.engine.pools.find((p) => p.name === "checkout")?.backends).toEqual([
      {
        id: backend.body.item.id,
        address: { host: "10.0.0.7", port: 8080 },
        weight: 30,
        version: "v2",
        state: "active",
      },
    ]);
    const audit = await api.db.auditEvent.findFirstOrThrow({
      where: { action: "backend.add", targetId: backend.body.item.id },
    });
    expect(audit).toMatchObject({
      actorType: "api_token",
      actorName: "operator@weir.test (token ops-script)",
      configVersion: backend.body.configVersion,
    });
    expect(audit.after).toMatchObject({ pool: "checkout", host: "10.0.0.7", port: 8080, weight: 30 });
  });

  it("refuses a stale version with CONFLICT and the fresh row, writing nothing", async () => {
    const { item: pool } = await api.as("operator").pools.create({ name: "stale" });
    const { item: backend } = await api.as("operator").backends.add({ poolId: pool.id, host: "10.0.1.1", port: 80 });
    await api.as("operator").backends.update({ id: backend.id, version: backend.version, weight: 50 });
    const before = await counts();

    const stale = await http(api, "PATCH", `/api/v1/backends/${backend.id}`, {
      token,
      body: { version: backend.version, weight: 10 },
    });
    expect(stale.status).toBe(409);
    expect(stale.body).toMatchObject({
      code: "WEIR_E_CONFLICT",
      field: "version",
      current: { weight: 50, version: 2 },
    });
    expect(await counts()).toEqual(before);
    expect((await api.db.backend.findUniqueOrThrow({ where: { id: backend.id } })).weight).toBe(50);
  });

  it("names the field when a setting is out of range, and writes nothing", async () => {
    const { item: pool } = await api.as("operator").pools.create({ name: "bad-settings" });
    const before = await counts();
    const response = await http(api, "PATCH", `/api/v1/pools/${pool.id}`, {
      token,
      body: { version: pool.version, healthCheck: { intervalMs: 10 } },
    });
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ code: "WEIR_E_INVALID_INPUT", field: "healthCheck.intervalMs" });
    expect(response.body.message).toMatch(/^healthCheck\.intervalMs: /);
    expect(await counts()).toEqual(before);
  });

  it("refuses duplicates and unknown references with their fields", async () => {
    await expect(api.as("operator").pools.create({ name: "checkout" })).rejects.toMatchObject({
      code: "CONFLICT",
      message: "A pool named checkout already exists.",
    });
    const missing = await http(api, "POST", "/api/v1/pools/nope/backends", {
      token,
      body: { host: "10.0.0.1", port: 80 },
    });
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ code: "WEIR_E_NOT_FOUND", field: "poolId" });
  });

  it("drains, disables and re-enables a backend; the config version carries the state", async () => {
    const { item: pool } = await api.as("operator").pools.create({ name: "states" });
    let { item: backend } = await api.as("operator").backends.add({ poolId: pool.id, host: "10.0.2.1", port: 80 });
    for (const [verb, state] of [
      ["drain", "draining"],
      ["disable", "disabled"],
      ["enable", "active"],
    ] as const) {
      const response = await http(api, "POST", `/api/v1/backends/${backend.id}/${verb}`, {
        token,
        body: { version: backend.version },
      });
      expect(response.status, JSON.stringify(response.body)).toBe(200);
      backend = response.body.item;
      expect(backend.state).toBe(state);
      const version = await api.db.configVersion.findUniqueOrThrow({ where: { number: response.body.configVersion } });
      const snapshot = version.snapshot as {
        engine: { pools: Array<{ name: string; backends: Array<{ state: string }> }> };
      };
      expect(snapshot.engine.pools.find((p) => p.name === "states")?.backends[0]?.state).toBe(state);
    }
  });

  it("refuses to delete a pool a route still uses, then deletes it once free", async () => {
    const { item: pool } = await api.as("operator").pools.create({ name: "routed" });
    const listener = await api.db.listener.create({ data: { name: "edge", port: 8443 } });
    const route = await api.db.route.create({
      data: { listenerId: listener.id, name: "all", poolId: pool.id, hosts: [] },
    });
    const inUse = await http(api, "DELETE", `/api/v1/pools/${pool.id}?version=${pool.version}`, { token });
    expect(inUse.status).toBe(409);
    expect(inUse.body).toMatchObject({
      code: "WEIR_E_IN_USE",
      message: "Pool routed still receives traffic from route all on listener edge; point those elsewhere first.",
    });
    await api.db.route.delete({ where: { id: route.id } });
    await api.db.listener.delete({ where: { id: listener.id } });
    const deleted = await http(api, "DELETE", `/api/v1/pools/${pool.id}?version=${pool.version}`, { token });
    expect(deleted.status, JSON.stringify(deleted.body)).toBe(200);
    expect(await api.db.pool.findUnique({ where: { id: pool.id } })).toBeNull();
  });

  it("viewers read pools but cannot change them", async () => {
    const viewer = (await api.as("viewer").tokens.create({ name: "read-only", role: "viewer" })).token;
    expect((await http(api, "GET", "/api/v1/pools/checkout", { token: viewer })).status).toBe(200);
    const refused = await http(api, "POST", "/api/v1/pools", { token: viewer, body: { name: "nope" } });
    expect(refused.status).toBe(403);
    expect(await api.db.pool.findUnique({ where: { name: "nope" } })).toBeNull();
  });
});
