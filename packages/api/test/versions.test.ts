import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { http, startTestApi, type TestApi } from "./support";

describe("config versions, diff, revert, audit and validate", () => {
  let api: TestApi;
  let token: string;
  beforeAll(async () => {
    api = await startTestApi();
    token = (await api.as("operator").tokens.create({ name: "history", role: "operator" })).token;
  });
  afterAll(async () => {
    await api.close();
  });

  it("lists versions newest first with pagination, and diffs two of them readably", async () => {
    const operator = api.as("operator");
    const { item: pool, configVersion: v1 } = await operator.pools.create({ name: "web" });
    const { item: a } = await operator.backends.add({ poolId: pool.id, host: "10.1.0.1", port: 80 });
    await operator.backends.add({ poolId: pool.id, host: "10.1.0.2", port: 80 });
    const { configVersion: v4 } = await operator.backends.update({ id: a.id, version: a.version, weight: 5 });

    const first = await http(api, "GET", "/api/v1/versions?limit=2", { token });
    expect(first.body.items.map((v: { number: number }) => v.number)).toEqual([v4, v4 - 1]);
    const second = await http(api, "GET", `/api/v1/versions?limit=2&cursor=${first.body.nextCursor}`, { token });
    expect(second.body.items[0].number).toBe(v4 - 2);
    expect(first.body.items[0]).toMatchObject({
      summary: "web: 10.1.0.1:80 weight 100 → 5",
      createdBy: "operator@weir.test",
    });

    const diff = await http(api, "GET", `/api/v1/versions/diff?from=${v1}&to=${v4}`, { token });
    expect(diff.status, JSON.stringify(diff.body)).toBe(200);
    expect(diff.body.changes).toEqual([
      {
        path: "pools[web].backends[10.1.0.1:80]",
        kind: "added",
        after: expect.objectContaining({ weight: 5, version: "v1" }),
      },
      { path: "pools[web].backends[10.1.0.2:80]", kind: "added", after: expect.objectContaining({ weight: 100 }) },
    ]);
  });

  it("reverting makes a new version whose config equals the old one, and agents' ids are kept", async () => {
    const operator = api.as("operator");
    const { item: pool, configVersion: base } = await operator.pools.create({ name: "rev", algorithm: "random" });
    const { item: keep, configVersion: target } = await operator.backends.add({
      poolId: pool.id,
      host: "10.2.0.1",
      port: 80,
      weight: 10,
    });
    const { item: extra } = await operator.backends.add({ poolId: pool.id, host: "10.2.0.2", port: 80 });
    const fresh = await operator.pools.get({ id: pool.id });
    await operator.pools.update({ id: pool.id, version: fresh.version, algorithm: "least_connections" });
    const kept = fresh.backends.find((b) => b.id === keep.id);
    await operator.backends.update({ id: keep.id, version: kept?.version ?? 1, weight: 99 });
    await operator.backends.remove({ id: extra.id, version: extra.version });
    expect(base).toBeLessThan(target);

    const latest = (await operator.versions.list({ limit: 1 })).items[0]?.number;
    const reverted = await http(api, "POST", `/api/v1/versions/${target}/revert`, {
      token,
      body: { expectedLatest: latest },
    });
    expect(reverted.status, JSON.stringify(reverted.body)).toBe(200);
    const [old, now] = await Promise.all([
      api.db.configVersion.findUniqueOrThrow({ where: { number: target } }),
      api.db.configVersion.findUniqueOrThrow({ where: { number: reverted.body.configVersion } }),
    ]);
    expect(now.hash).toBe(old.hash);
    expect(now.revertedFrom).toBe(target);
    expect(now.summary).toBe(`reverted to version ${target}`);
    const restored = await operator.pools.get({ id: "rev" });
    expect(restored.algorithm).toBe("random");
    expect(restored.backends.map((b) => [b.id, b.weight])).toEqual([[keep.id, 10]]);

    const stale = await http(api, "POST", `/api/v1/versions/${base}/revert`, {
      token,
      body: { expectedLatest: latest },
    });
    expect(stale.status).toBe(409);
    expect(stale.body.code).toBe("WEIR_E_CONFLICT");
  });

  it("records audit events with before and after, filterable by actor, target and action", async () => {
    const operator = api.as("operator");
    const { item: pool } = await operator.pools.create({ name: "audited" });
    await operator.pools.update({ id: pool.id, version: pool.version, description: "after" });
    const page = await http(api, "GET", `/api/v1/audit?targetId=${pool.id}&action=pool.update`, { token });
    expect(page.body.items).toHaveLength(1);
    expect(page.body.items[0]).toMatchObject({
      actorName: "operator@weir.test",
      action: "pool.update",
      targetType: "pool",
    });
    expect(page.body.items[0].before.description).toBe("");
    expect(page.body.items[0].after.description).toBe("after");
    const byActor = await http(api, "GET", "/api/v1/audit?actor=operator%40weir.test&action=pool&limit=500", { token });
    expect(
      byActor.body.items.every(
        (event: { actorName: string; action: string }) =>
          event.actorName.startsWith("operator@weir.test") && event.action.startsWith("pool"),
      ),
    ).toBe(true);
    const none = await http(api, "GET", `/api/v1/audit?from=${new Date(Date.now() + 60_000).toISOString()}`, { token });
    expect(none.body.items).toEqual([]);
  });

  it("validates a change without writing anything, or names what is wrong", async () => {
    const { item: pool } = await api.as("operator").pools.create({ name: "dry" });
    const before = { versions: await api.db.configVersion.count(), backends: await api.db.backend.count() };
    const ok = await http(api, "POST", "/api/v1/validate", {
      token,
      body: { procedure: "backends.add", input: { poolId: "dry", host: "10.3.0.1", port: 81 } },
    });
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    expect(ok.body).toMatchObject({ valid: true, error: null });
    expect(ok.body.changes).toEqual([
      { path: "pools[dry].backends[10.3.0.1:81]", kind: "added", after: expect.objectContaining({ weight: 100 }) },
    ]);
    expect(ok.body.config.pools.find((p: { name: string }) => p.name === "dry").backends).toHaveLength(1);

    const bad = await http(api, "POST", "/api/v1/validate", {
      token,
      body: { procedure: "pools.update", input: { id: pool.id, version: pool.version, timeouts: { connectMs: -1 } } },
    });
    expect(bad.body).toMatchObject({
      valid: false,
      error: { code: "WEIR_E_INVALID_INPUT", field: "timeouts.connectMs" },
    });
    expect({ versions: await api.db.configVersion.count(), backends: await api.db.backend.count() }).toEqual(before);

    const viewer = (await api.as("viewer").tokens.create({ name: "v", role: "viewer" })).token;
    const refused = await http(api, "POST", "/api/v1/validate", {
      token: viewer,
      body: { procedure: "pools.create", input: { name: "x" } },
    });
    expect(refused.body).toMatchObject({ valid: false, error: { code: "WEIR_E_FORBIDDEN" } });
  });
});
