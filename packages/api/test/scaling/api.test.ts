import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedFirstRun } from "../../src/domain/seed/seed-first-run";
import { http, startTestApi, type TestApi } from "../support";

/** The scaling API: rules and their decision log, through tRPC and REST, with audit and conflicts. */
let api: TestApi;
let token: string;
beforeAll(async () => {
  // Port 1: nothing listens there, whatever else runs on this machine.
  api = await startTestApi({ demoTrafficControl: "127.0.0.1:1" });
  token = (await api.as("operator").tokens.create({ name: "scaling", role: "operator" })).token;
});
afterAll(() => api.close());

let n = 0;
async function pool() {
  return api.db.pool.create({ data: { name: `sc-${++n}` } });
}

const SECRET = "a-webhook-secret-of-some-length";
const webhook = { kind: "webhook" as const, url: "https://scaler.example/hook", secret: SECRET };

describe("scaling rules over the API", () => {
  it("creates, reads, edits, disables and deletes a rule; each write audited, the secret never returned", async () => {
    const p = await pool();
    const operator = api.as("operator");
    const created = await operator.scaling.create({
      poolId: p.name,
      name: "web",
      metrics: [{ type: "rps_per_backend", target: 100 }],
      minBackends: 2,
      maxBackends: 8,
      actuator: webhook,
    });
    expect(created).toMatchObject({
      poolId: p.id,
      poolName: p.name,
      enabled: true,
      minBackends: 2,
      scaleDownWindowSec: 300,
      actuator: { kind: "webhook", url: webhook.url, secretSet: true },
      status: { current: 0, managed: 0, draining: 0, desired: null, lastError: null },
      version: 1,
    });
    expect(JSON.stringify(created)).not.toContain(SECRET);

    const rest = await http(api, "GET", `/api/v1/scaling-rules/${created.id}`, { token });
    expect(rest.status).toBe(200);
    expect(rest.body).toMatchObject({ id: created.id, decisions: [] });
    expect(JSON.stringify(rest.body)).not.toContain(SECRET);

    // An edit without the secret keeps it; a stale version is refused with the current row.
    const edited = await operator.scaling.update({
      id: created.id,
      version: 1,
      maxBackends: 12,
      actuator: { kind: "webhook", url: "https://scaler.example/v2" },
    });
    expect(edited).toMatchObject({ version: 2, maxBackends: 12, actuator: { url: "https://scaler.example/v2" } });
    const stored = await api.db.scalingRule.findUniqueOrThrow({ where: { id: created.id } });
    expect(stored.actuatorConfig).toMatchObject({ secret: SECRET });
    await expect(operator.scaling.update({ id: created.id, version: 1, maxBackends: 3 })).rejects.toMatchObject({
      code: "CONFLICT",
      details: { code: "WEIR_E_CONFLICT", current: { version: 2 } },
    });
    // Checks across fields run on the merged rule: min above the stored max names the field.
    await expect(operator.scaling.update({ id: created.id, version: 2, minBackends: 20 })).rejects.toMatchObject({
      details: { code: "WEIR_E_INVALID_INPUT", field: "maxBackends" },
    });

    const disabled = await operator.scaling.disable({ id: created.id });
    expect(disabled).toMatchObject({ enabled: false, version: 3 });
    const enabled = await http(api, "POST", `/api/v1/scaling-rules/${created.id}/enable`, { token, body: {} });
    expect(enabled.body).toMatchObject({ enabled: true, version: 4 });

    const list = await http(api, "GET", `/api/v1/scaling-rules?poolId=${p.name}`, { token });
    expect(list.body.map((r: { id: string }) => r.id)).toEqual([created.id]);

    const removed = await http(api, "DELETE", `/api/v1/scaling-rules/${created.id}?version=4`, { token });
    expect(removed).toMatchObject({ status: 200, body: { id: created.id } });
    await expect(operator.scaling.get({ id: created.id })).rejects.toMatchObject({ code: "NOT_FOUND" });

    const audit = await api.db.auditEvent.findMany({ where: { targetId: created.id }, orderBy: { at: "asc" } });
    expect(audit.map((a) => a.action)).toEqual([
      "scaling_rule.create",
      "scaling_rule.update",
      "scaling_rule.disable",
      "scaling_rule.enable",
      "scaling_rule.delete",
    ]);
    expect(JSON.stringify(audit.map((a) => [a.before, a.after]))).not.toContain(SECRET);
  });

  it("refuses a second enabled rule on the same backends, and names the fields of a bad rule", async () => {
    const p = await pool();
    const operator = api.as("operator");
    const base = { poolId: p.id, metrics: [{ type: "rps_per_backend" as const, target: 50 }], actuator: webhook };
    await operator.scaling.create({ ...base, name: "all" });
    await expect(operator.scaling.create({ ...base, name: "v1", versionLabel: "v1" })).rejects.toMatchObject({
      details: { code: "WEIR_E_CONFLICT", field: "versionLabel" },
    });
    const off = await operator.scaling.create({ ...base, name: "v1", versionLabel: "v1", enabled: false });
    await expect(operator.scaling.enable({ id: off.id })).rejects.toMatchObject({
      details: { code: "WEIR_E_CONFLICT" },
    });
    await expect(operator.scaling.create({ ...base, name: "all" })).rejects.toMatchObject({
      details: { code: "WEIR_E_DUPLICATE", field: "name" },
    });

    const bad = await http(api, "POST", "/api/v1/scaling-rules", {
      token,
      body: {
        ...base,
        name: "proc",
        versionLabel: "v2",
        maxBackends: 30,
        actuator: {
          kind: "process",
          agent: "edge-1",
          commandTemplate: "node b.mjs",
          portRange: { from: 9000, to: 9009 },
        },
      },
    });
    expect(bad.status).toBe(400);
    const fields = (bad.body.issues as Array<{ field: string; message: string }>).map(
      (i) => `${i.field}: ${i.message}`,
    );
    expect(fields).toEqual(
      expect.arrayContaining([
        "actuator.commandTemplate: must contain {port}: each backend has to be told which port to listen on",
        expect.stringMatching(/^actuator\.portRange: holds 10 ports, fewer than maxBackends \(30\)/),
      ]),
    );
    await expect(api.as("viewer").scaling.create({ ...base, name: "nope" })).rejects.toMatchObject({
      code: "FORBIDDEN",
    });
  });

  it("lists a rule's decisions newest first, from a time on", async () => {
    const p = await pool();
    const rule = await api.as("operator").scaling.create({
      poolId: p.id,
      name: "log",
      metrics: [{ type: "p95_latency_ms", target: 200 }],
      actuator: webhook,
    });
    const t0 = Date.now() - 60_000;
    for (let i = 0; i < 5; i++) {
      await api.db.scalingDecision.create({
        data: {
          ruleId: rule.id,
          inputs: { metrics: [{ type: "p95_latency_ms", value: 100 + i }] },
          currentBackends: 1 + i,
          recommended: 2 + i,
          desiredBackends: 2 + i,
          action: "scale_up",
          reason: `step ${i}`,
          createdAt: new Date(t0 + i * 10_000),
        },
      });
    }
    const all = await api.as("viewer").scaling.decisions({ id: rule.id, limit: 100 });
    expect(all.map((d) => d.reason)).toEqual(["step 4", "step 3", "step 2", "step 1", "step 0"]);
    const recent = await http(
      api,
      "GET",
      `/api/v1/scaling-rules/${rule.id}/decisions?from=${encodeURIComponent(new Date(t0 + 25_000).toISOString())}&limit=1`,
      { token },
    );
    expect(recent.body).toEqual([
      expect.objectContaining({ reason: "step 4", currentBackends: 5, desiredBackends: 6, action: "scale_up" }),
    ]);
    const detail = await api.as("viewer").scaling.get({ id: rule.id });
    expect(detail.decisions).toHaveLength(5);
  });

  it("seeds the demo's scaling rule with the demo pool, disabled, once", async () => {
    const seed = () =>
      seedFirstRun({ db: api.db, adminEmail: "admin@weir.test", adminPassword: "x".repeat(12), demo: true });
    expect((await seed()).demoPoolCreated).toBe(true);
    await seed();
    const rules = await api.as("viewer").scaling.list({ poolId: "demo" });
    expect(rules).toEqual([
      expect.objectContaining({
        name: "demo-v1",
        versionLabel: "v1",
        enabled: false,
        minBackends: 2,
        actuator: expect.objectContaining({ kind: "process", agent: "local", portRange: { from: 9111, to: 9130 } }),
        status: expect.objectContaining({ current: 2, managed: 0 }),
      }),
    ]);
  });

  it("answers demo traffic calls with a clear error when no generator listens", async () => {
    await expect(api.as("viewer").demo.traffic()).rejects.toMatchObject({
      details: { code: "WEIR_E_DEMO_TRAFFIC_UNAVAILABLE" },
    });
  });
});
