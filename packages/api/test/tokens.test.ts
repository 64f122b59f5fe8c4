import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { http, startTestApi, type TestApi } from "./support";

describe("API tokens", () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi();
  });
  afterAll(async () => {
    await api.close();
  });

  it("are shown once, stored hashed, and authenticate REST calls as Bearer tokens", async () => {
    const created = await api.as("operator").tokens.create({ name: "deploy-script", role: "operator" });
    expect(created.token).toMatch(/^weir_pat_[\w-]{43}$/);
    const row = await api.db.apiToken.findUniqueOrThrow({ where: { id: created.id } });
    expect(JSON.stringify(row)).not.toContain(created.token);
    expect(row.prefix).toBe(created.token.slice(0, 13));

    const me = await http(api, "GET", "/api/v1/auth/me", { token: created.token });
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ user: { email: "operator@weir.test", role: "operator" }, via: "api_token" });
    const listed = await api.as("operator").tokens.list();
    expect(listed.find((token) => token.id === created.id)?.lastUsedAt).not.toBeNull();
  });

  it("cannot be created with a role above the creator's", async () => {
    await expect(api.as("operator").tokens.create({ name: "escalate", role: "admin" })).rejects.toMatchObject({
      code: "FORBIDDEN",
      message: "A token's role can be at most your own (operator).",
    });
    expect(await api.db.apiToken.count({ where: { name: "escalate" } })).toBe(0);
  });

  it("stop working when revoked", async () => {
    const created = await api.as("viewer").tokens.create({ name: "short-lived", role: "viewer" });
    expect((await http(api, "GET", "/api/v1/pools", { token: created.token })).status).toBe(200);
    const revoked = await http(api, "DELETE", `/api/v1/tokens/${created.id}`, { token: created.token });
    expect(revoked.status).toBe(200);
    expect(revoked.body.revokedAt).not.toBeNull();
    const after = await http(api, "GET", "/api/v1/pools", { token: created.token });
    expect(after.status).toBe(401);
    expect(after.body).toMatchObject({
      message: "The API token is invalid, expired or revoked.",
      code: "WEIR_E_UNAUTHENTICATED",
    });
  });

  it("stop working once expired", async () => {
    const created = await api.as("admin").tokens.create({ name: "expiring", role: "viewer", expiresInDays: 1 });
    expect((await http(api, "GET", "/api/v1/pools", { token: created.token })).status).toBe(200);
    await api.db.apiToken.update({ where: { id: created.id }, data: { expiresAt: new Date(Date.now() - 1000) } });
    expect((await http(api, "GET", "/api/v1/pools", { token: created.token })).status).toBe(401);
  });

  it("lose rights when their owner is demoted", async () => {
    const admin = api.as("admin");
    const user = await admin.users.create({
      email: "lead@weir.test",
      name: "Lead",
      role: "operator",
      password: "lead-password-123",
    });
    const token = await api.as("admin").tokens.create({ name: "placeholder", role: "viewer" });
    // A token the operator made for themselves, at their role.
    const own = await api.db.apiToken.update({ where: { id: token.id }, data: { userId: user.id, role: "operator" } });
    expect(own.role).toBe("operator");
    await admin.users.update({ id: user.id, version: user.version, role: "viewer" });
    const me = await http(api, "GET", "/api/v1/auth/me", { token: token.token });
    expect(me.body.user.role).toBe("viewer");
    const denied = await http(api, "POST", "/api/v1/tokens", {
      token: token.token,
      body: { name: "x", role: "operator" },
    });
    expect(denied.status).toBe(403);
  });

  it("writes audit events without secrets", async () => {
    const created = await api.as("admin").tokens.create({ name: "audited", role: "viewer" });
    const events = await api.db.auditEvent.findMany({ where: { targetId: created.id } });
    expect(events.map((event) => event.action)).toEqual(["api_token.create"]);
    expect(JSON.stringify(events.map(({ id: _id, ...event }) => event))).not.toContain(created.token);
    expect(events[0]?.actorName).toBe("admin@weir.test");
  });
});

describe("revoking someone else's token", () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi();
  });
  afterAll(async () => {
    await api.close();
  });

  it("is refused for non-admins as if the token did not exist, and allowed for admins", async () => {
    const viewers = await api.as("viewer").tokens.create({ name: "mine", role: "viewer" });
    await expect(api.as("operator").tokens.revoke({ id: viewers.id })).rejects.toMatchObject({ code: "NOT_FOUND" });
    expect((await api.db.apiToken.findUniqueOrThrow({ where: { id: viewers.id } })).revokedAt).toBeNull();
    expect((await api.as("admin").tokens.revoke({ id: viewers.id })).revokedAt).not.toBeNull();
  });
});
