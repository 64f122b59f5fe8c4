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
  it("sets a cookie naming the backend and keeps the client there", async () => {
    const list = await versions();
    const { port, client } = await startEngine(cleanup, {
      version: 1,
      listeners: [{ name: "web", bind: { host: "127.0.0.1", port: 0 }, routes: [{ name: "all", pool: "p" }] }],
      pools: [
        {
          name: "p",
          healthCheck: { type: "none" },
          stickiness: { enabled: true, ttlSeconds: 60 },
          backends: backendsOf(list),
        },
      ],
    });
    const first = await client.get(port, "/");
    const cookie = String(first.headers["set-cookie"]);
    expect(cookie).toBe(`weir_sticky=${first.body}; Path=/; HttpOnly; Max-Age=60`);
    for (let i = 0; i < 6; i++) {
      const res = await client.get(port, "/", { cookie: `weir_sticky=${first.body}` });
      expect(res.body).toBe(first.body);
      expect(res.headers["set-cookie"]).toBeUndefined();
    }
  });
});
