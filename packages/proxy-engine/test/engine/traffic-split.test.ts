import { afterEach, describe, expect, it } from "vitest";
import { seededRng } from "../../src";
import { Cleanup, startBackend, type TestBackend } from "../support/backends";
import { backendsOf } from "../support/config";
import { startEngine } from "../support/engine";

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

async function versions(): Promise<TestBackend[]> {
  const out: TestBackend[] = [];
  for (const name of ["v1a", "v1b", "v2a"]) {
    const b = await startBackend(name);
    cleanup.add(() => b.close());
    out.push(b);
  }
  return out;
}

function config(list: TestBackend[], canaryPercent: number, version: number, split = {}) {
  return {
    version,
    listeners: [{ name: "web", bind: { host: "127.0.0.1", port: 0 }, routes: [{ name: "all", pool: "p" }] }],
    pools: [
      {
        name: "p",
        healthCheck: { type: "none" as const },
        trafficSplit: {
          stableVersion: "v1",
          canaryVersion: "v2",
          canaryPercent,
          stickyOn: "header" as const,
          stickyName: "x-user",
          ...split,
        },
        backends: backendsOf(list, (b) => ({ version: b.name.startsWith("v2") ? "v2" : "v1" })),
      },
    ],
  };
}

describe("traffic split", () => {
  it("sends about N% of clients to the canary, and a client stays there while the percentage only grows", async () => {
    const list = await versions();
    const { engine, port, client } = await startEngine(cleanup, config(list, 10, 1));
    const users = Array.from({ length: 400 }, (_, i) => `user-${i}`);
    const onCanary = async () => {
      const out = new Set<string>();
      for (const u of users) if ((await client.get(port, "/", { "x-user": u })).body === "v2a") out.add(u);
      return out;
    };
    const at10 = await onCanary();
    expect(at10.size / users.length).toBeGreaterThan(0.06);
    expect(at10.size / users.length).toBeLessThan(0.14);
    await engine.apply(config(list, 30, 2));
    const at30 = await onCanary();
    for (const u of at10) expect(at30.has(u)).toBe(true);
    expect(at30.size / users.length).toBeGreaterThan(0.25);
    expect(at30.size / users.length).toBeLessThan(0.35);
    // Repeat requests land on the same version.
    expect(await onCanary()).toEqual(at30);
  });

  it("forces a version by header, then by cookie, whatever the percentage", async () => {
    const list = await versions();
    const { port, client } = await startEngine(cleanup, config(list, 0, 1));
    expect((await client.get(port, "/", { "x-weir-version": "v2" })).body).toBe("v2a");
    expect((await client.get(port, "/", { cookie: "a=1; weir_version=v2" })).body).toBe("v2a");
    expect((await client.get(port, "/", { "x-user": "u1" })).body).toMatch(/^v1/);
    // An unknown forced version falls back to the split.
    expect((await client.get(port, "/", { "x-weir-version": "v9" })).body).toMatch(/^v1/);
  });

  it("without a sticky key, splits each request at random by the percentage (seeded)", async () => {
    const list = await versions();
    const { port, client } = await startEngine(
      cleanup,
      config(list, 25, 1, { stickyOn: "none", stickyName: undefined }),
      { rng: seededRng(42) },
    );
    let canary = 0;
    for (let i = 0; i < 800; i++) if ((await client.get(port, "/")).body === "v2a") canary++;
    expect(canary / 800).toBeGreaterThan(0.21);
    expect(canary / 800).toBeLessThan(0.29);
  });

  it("serves from the stable version when the canary has no backend up", async () => {
    const list = await versions();
    const { port, client } = await startEngine(cleanup, config(list.slice(0, 2), 100, 1));
    expect((await client.get(port, "/", { "x-user": "u" })).body).toMatch(/^v1/);
  });
});

describe("sticky sessions", () => {
  const stickyPool = (list: Awaited<ReturnType<typeof versions>>) => ({
    name: "p",
    healthCheck: { type: "none" as const },
    stickiness: { enabled: true, ttlSeconds: 60 },
    backends: backendsOf(list),
  });
  const stickyConfig = (
    list: Awaited<ReturnType<typeof versions>>,
    stickyKeys?: Array<{ id: string; secret: string }>,
    version = 1,
  ) => ({
    version,
    ...(stickyKeys ? { stickyKeys } : {}),
    listeners: [{ name: "web", bind: { host: "127.0.0.1", port: 0 }, routes: [{ name: "all", pool: "p" }] }],
    pools: [stickyPool(list)],
  });
  const key = (id: string) => ({ id, secret: Buffer.alloc(32, id).toString("base64url") });
  const cookieValue = (setCookie: unknown) => /^weir_sticky=([^;]+)/.exec(String(setCookie))?.[1] ?? "";

  it("13.8: sets an opaque, signed cookie (HttpOnly, SameSite=Lax) and keeps the client there", async () => {
    const list = await versions();
    const { port, client } = await startEngine(cleanup, stickyConfig(list));
    const first = await client.get(port, "/");
    const cookie = String(first.headers["set-cookie"]);
    expect(cookie).toMatch(/^weir_sticky=local\.[A-Za-z0-9_-]{22}; Path=\/; HttpOnly; SameSite=Lax; Max-Age=60$/);
    // Opaque: neither the backend's id nor anything a client could compute.
    for (const b of list) expect(cookieValue(cookie)).not.toContain(b.name);
    for (let i = 0; i < 6; i++) {
      const res = await client.get(port, "/", { cookie: `weir_sticky=${cookieValue(cookie)}` });
      expect(res.body).toBe(first.body);
      expect(res.headers["set-cookie"]).toBeUndefined();
    }
  });

  it("13.8: a forged or stale cookie is ignored, never an error: the request is balanced and signed anew", async () => {
    const list = await versions();
    const { port, client } = await startEngine(cleanup, stickyConfig(list));
    for (const forged of [list[0]!.name, "local.AAAAAAAAAAAAAAAAAAAAAA", "x".repeat(300), "local."]) {
      const res = await client.get(port, "/", { cookie: `weir_sticky=${forged}` });
      expect(res.status).toBe(200);
      expect(cookieValue(res.headers["set-cookie"])).toMatch(/^local\.[A-Za-z0-9_-]{22}$/);
    }
  });

  it("13.8: with the fleet's keys, engines honour each other's cookies; a rotation keeps old cookies and re-signs them", async () => {
    const list = await versions();
    const a = await startEngine(cleanup, stickyConfig(list, [key("k1")]));
    const b = await startEngine(cleanup, stickyConfig(list, [key("k1")]));
    const first = await a.client.get(a.port, "/");
    const signed = cookieValue(first.headers["set-cookie"]);
    expect(signed.startsWith("k1.")).toBe(true);
    // Another agent (or this one after a restart) with the same keys: same backend, no new cookie.
    const elsewhere = await b.client.get(b.port, "/", { cookie: `weir_sticky=${signed}` });
    expect(elsewhere.body).toBe(first.body);
    expect(elsewhere.headers["set-cookie"]).toBeUndefined();

    // Rotated: the new key signs, the old one is still accepted, and its cookies are re-signed.
    await b.engine.apply(stickyConfig(list, [key("k2"), key("k1")], 2));
    const overlap = await b.client.get(b.port, "/", { cookie: `weir_sticky=${signed}` });
    expect(overlap.body).toBe(first.body);
    const resigned = cookieValue(overlap.headers["set-cookie"]);
    expect(resigned.startsWith("k2.")).toBe(true);
    expect((await b.client.get(b.port, "/", { cookie: `weir_sticky=${resigned}` })).body).toBe(first.body);

    // The old key retired: its cookies are strangers now, balanced and signed anew.
    await b.engine.apply(stickyConfig(list, [key("k2")], 3));
    const retired = await b.client.get(b.port, "/", { cookie: `weir_sticky=${signed}` });
    expect(cookieValue(retired.headers["set-cookie"]).startsWith("k2.")).toBe(true);
  });
});
