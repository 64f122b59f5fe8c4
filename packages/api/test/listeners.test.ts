import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { http, startTestApi, type TestApi } from "./support";

describe("listeners and routes", () => {
  let api: TestApi;
  let token: string;
  beforeAll(async () => {
    api = await startTestApi();
    token = (await api.as("operator").tokens.create({ name: "edge", role: "operator" })).token;
  });
  afterAll(async () => {
    await api.close();
  });

  it("creates a listener with host and path routes; the config version routes requests to the pools", async () => {
    const operator = api.as("operator");
    const { item: api1 } = await operator.pools.create({ name: "api" });
    const { item: web } = await operator.pools.create({ name: "web" });
    const listener = await http(api, "POST", "/api/v1/listeners", {
      token,
      body: { name: "public", port: 8088, agentSelector: { zone: "eu" } },
    });
    expect(listener.status, JSON.stringify(listener.body)).toBe(200);
    const route = await http(api, "POST", `/api/v1/listeners/${listener.body.item.id}/routes`, {
      token,
      body: {
        name: "api",
        priority: 10,
        poolId: api1.id,
        match: { hosts: ["api.example.com"], pathPrefix: "/v1" },
        requestHeaders: { add: { "x-env": "prod" } },
      },
    });
    expect(route.status, JSON.stringify(route.body)).toBe(200);
    await operator.routes.create({ listenerId: listener.body.item.id, name: "site", priority: 20, poolId: web.id });

    const version = await api.db.configVersion.findUniqueOrThrow({
      where: { number: (await operator.versions.list({ limit: 1 })).items[0]?.number ?? 0 },
    });
    const snapshot = version.snapshot as {
      engine: { listeners: Array<{ name: string; routes: Array<{ name: string; pool: string; match: unknown }> }> };
      selectors: Record<string, unknown>;
    };
    const compiled = snapshot.engine.listeners.find((l) => l.name === "public");
    expect(compiled?.routes.map((r) => [r.name, r.pool])).toEqual([
      ["api", "api"],
      ["site", "web"],
    ]);
    expect(compiled?.routes[0]?.match).toEqual({ hosts: ["api.example.com"], pathPrefix: "/v1" });
    expect(snapshot.selectors.public).toEqual({ zone: "eu" });
  });

  it("refuses a port another listener uses, and a tcp listener without a pool", async () => {
    const clash = await http(api, "POST", "/api/v1/listeners", { token, body: { name: "other", port: 8088 } });
    expect(clash.status).toBe(409);
    expect(clash.body).toMatchObject({ code: "WEIR_E_DUPLICATE", field: "port" });
    const tcp = await http(api, "POST", "/api/v1/listeners", {
      token,
      body: { name: "db", port: 5433, protocol: "tcp" },
    });
    expect(tcp.status).toBe(400);
    expect(tcp.body.message).toContain("defaultPool: is required for a tcp listener");
    expect(await api.db.listener.findUnique({ where: { name: "db" } })).toBeNull();
  });

  it("never returns a TLS private key", async () => {
    const pem = (kind: string) => `-----BEGIN ${kind}-----\nMIIB\n-----END ${kind}-----\n`;
    const created = await api.as("operator").listeners.create({
      name: "tls",
      port: 8443,
      tls: { certificates: [{ hosts: ["example.com"], certPem: pem("CERTIFICATE"), keyPem: pem("PRIVATE KEY") }] },
    });
    expect(created.item.tls).toEqual({ certificates: [{ hosts: ["example.com"] }] });
    const listed = await http(api, "GET", "/api/v1/listeners/tls", { token });
    expect(JSON.stringify(listed.body)).not.toContain("PRIVATE KEY");
  });

  it("moves a route to another pool with its version, and deletes it", async () => {
    const operator = api.as("operator");
    const listener = await operator.listeners.get({ id: "public" });
    const route = listener.routes.find((r) => r.name === "site");
    const web2 = (await operator.pools.create({ name: "web2" })).item;
    const moved = await operator.routes.update({ id: route?.id ?? "", version: route?.version ?? 0, poolId: web2.id });
    expect(moved.item.pool).toBe("web2");
    await expect(operator.routes.delete({ id: moved.item.id, version: route?.version ?? 0 })).rejects.toMatchObject({
      code: "CONFLICT",
    });
    await operator.routes.delete({ id: moved.item.id, version: moved.item.version });
    expect((await operator.listeners.get({ id: "public" })).routes.map((r) => r.name)).toEqual(["api"]);
  });
});
