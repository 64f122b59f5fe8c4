import { type AddressInfo, createServer } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { type ListenerStatus, seededRng } from "../../src";
import { Cleanup, startBackend, type TestBackend } from "../support/backends";
import { eventually, TestClient } from "../support/client";
import { backendsOf, singlePoolConfig } from "../support/config";
import { RawConnection, startEngine } from "../support/engine";

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

async function backends(names: string[], handler?: Parameters<typeof startBackend>[1]): Promise<TestBackend[]> {
  const out: TestBackend[] = [];
  for (const name of names) {
    const b = await startBackend(name, handler);
    cleanup.add(() => b.close());
    out.push(b);
  }
  return out;
}

describe("config swap", () => {
  it("swaps pools and routes under continuous load with zero failed requests", async () => {
    const [a, b, c] = await backends(["a", "b", "c"]);
    const { engine, port } = await startEngine(cleanup, singlePoolConfig([a!, b!]));
    const client = new TestClient(32);
    cleanup.add(() => client.close());
    let failures = 0;
    let ok = 0;
    let stop = false;
    const seen = new Set<string>();
    const workers = Array.from({ length: 16 }, async () => {
      while (!stop) {
        const res = await client.get(port, "/").catch(() => ({ status: 0, body: "" }));
        if (res.status === 200) {
          ok++;
          seen.add(res.body);
        } else failures++;
      }
    });
    await eventually(() => ok > 200);
    // 20 swaps alternating backends, algorithms and a draining backend.
    for (let v = 2; v < 22; v++) {
      const set = v % 2 === 0 ? [b!, c!] : [a!, b!, c!];
      await engine.apply({
        ...singlePoolConfig(set, { algorithm: v % 3 === 0 ? "least_connections" : "round_robin" }, {}, v),
        pools: [
          {
            name: "p",
            healthCheck: { type: "none" },
            algorithm: v % 3 === 0 ? "least_connections" : "round_robin",
            backends: backendsOf(set, (x) => ({ state: x.name === "a" && v % 4 === 1 ? "draining" : "active" })),
          },
        ],
      });
      const before = ok;
      await eventually(() => ok > before + 50);
    }
    stop = true;
    await Promise.all(workers);
    expect(failures).toBe(0);
    expect([...seen].sort()).toEqual(["a", "b", "c"]);
    expect(engine.config?.version).toBe(21);
  });

  it("keeps in-flight counts, EWMA, health, ejections and metrics for backends present in both configs", async () => {
    const held: Array<() => void> = [];
    const [a, b, c] = await backends(["a", "b", "c"], (req, res, be) => {
      req.resume();
      if (be.name === "a" && req.url === "/hold") held.push(() => res.end("a"));
      else if (be.name === "b") {
        res.writeHead(500);
        res.end();
      } else res.end(be.name);
    });
    const pool = {
      algorithm: "peak_ewma" as const,
      outlier: { consecutive5xx: 2, baseEjectionMs: 60_000 },
      retry: { attempts: 0 },
    };
    const { engine, port, client } = await startEngine(cleanup, singlePoolConfig([a!, b!, c!], pool), {
      rng: seededRng(9),
    });
    // Two 500s from b eject it; a holds one request.
    for (let i = 0; i < 500 && (engine.metrics.snapshot().backends["p/b"]?.ejections ?? 0) === 0; i++)
      await client.get(port, "/");
    expect(
      engine.health().find((h) => h.backend === "b"),
      JSON.stringify([b!.requests, engine.metrics.snapshot().backends["p/b"]?.ejections, engine.health()]),
    ).toMatchObject({ state: "ejected" });
    const hold = (async () => {
      for (;;) {
        const res = await client.get(port, "/hold");
        if (res.body === "a") return res;
      }
    })();
    await eventually(() => held.length === 1);
    const before = engine.metrics.snapshot();
    const aBefore = engine.health().find((h) => h.backend === "a");
    expect(aBefore?.inFlight).toBe(1);
    expect(aBefore?.latencyEwmaMs).toBeGreaterThan(0);

    // New config: c removed, d added, a and b kept with new weights.
    const [d] = await backends(["d"]);
    await engine.apply({
      ...singlePoolConfig([a!, b!, d!], pool, {}, 2),
      pools: [
        {
          name: "p",
          healthCheck: { type: "none" },
          ...pool,
          backends: backendsOf([a!, b!, d!], () => ({ weight: 2 })),
        },
      ],
    });
    const after = engine.health();
    expect(after.map((h) => h.backend)).toEqual(["a", "b", "d"]);
    expect(after.find((h) => h.backend === "a")?.inFlight).toBe(1);
    expect(after.find((h) => h.backend === "a")?.latencyEwmaMs).toBe(aBefore?.latencyEwmaMs);
    expect(after.find((h) => h.backend === "d")?.latencyEwmaMs).toBe(0);
    expect(after.find((h) => h.backend === "b")?.state).toBe("ejected");
    const snap = engine.metrics.snapshot();
    expect(snap.backends["p/b"]?.ejections).toBe(1);
    expect(snap.backends["p/a"]?.requests["2xx"]).toBe(before.backends["p/a"]?.requests["2xx"]);
    expect(snap.backends["p/a"]?.latency.count).toBe(before.backends["p/a"]?.latency.count);
    held[0]?.();
    expect((await hold).status).toBe(200);
    await eventually(() => engine.health().find((h) => h.backend === "a")?.inFlight === 0);
  });

  it("drains a backend: no new requests, the one in flight finishes", async () => {
    const held: Array<() => void> = [];
    const [a, b] = await backends(["a", "b"], (req, res, be) => {
      req.resume();
      if (req.url === "/hold") held.push(() => res.end(be.name));
      else res.end(be.name);
    });
    const { engine, port, client } = await startEngine(cleanup, singlePoolConfig([a!, b!]));
    const first = client.get(port, "/hold");
    await eventually(() => held.length === 1);
    const holder = engine.health().find((h) => h.inFlight === 1)?.backend as string;
    await engine.apply({
      ...singlePoolConfig([a!, b!], {}, {}, 2),
      pools: [
        {
          name: "p",
          healthCheck: { type: "none" },
          backends: backendsOf([a!, b!], (x) => ({ state: x.name === holder ? "draining" : "active" })),
        },
      ],
    });
    expect(engine.health().find((h) => h.backend === holder)?.state).toBe("draining");
    for (let i = 0; i < 6; i++) expect((await client.get(port, "/")).body).not.toBe(holder);
    held[0]?.();
    expect((await first).body).toBe(holder);
  });

  it("refuses an invalid config with every issue named, and keeps serving the last good one", async () => {
    const [a] = await backends(["a"]);
    const { engine, port, client } = await startEngine(cleanup, singlePoolConfig([a!]));
    await expect(
      engine.apply({
        version: 2,
        listeners: [{ name: "web", bind: { port: 0 }, routes: [{ name: "r", pool: "nope" }] }],
        pools: [{ name: "p", algorithm: "fastest" }],
      }),
    ).rejects.toMatchObject({
      code: "WEIR_E_INVALID_CONFIG",
      issues: expect.arrayContaining([expect.stringMatching(/^pools\[0\]\.algorithm: /)]),
    });
    await expect(
      engine.apply({
        version: 2,
        listeners: [{ name: "web", bind: { port: 0 }, routes: [{ name: "r", pool: "nope" }] }],
      }),
    ).rejects.toMatchObject({ issues: ['listeners[0].routes[0].pool: unknown pool "nope"'] });
    expect(engine.config?.version).toBe(1);
    expect((await client.get(port, "/")).body).toBe("a");
  });

  it("adds and removes listeners without touching the others' connections", async () => {
    const [a] = await backends(["a"]);
    const base = singlePoolConfig([a!]);
    const { engine, port, client } = await startEngine(cleanup, base);
    const held = new RawConnection(port);
    cleanup.add(() => held.close());
    expect(await held.get("/")).toBe("HTTP/1.1 200 OK");
    const extra = { name: "admin", bind: { host: "127.0.0.1", port: 0 }, routes: [{ name: "all", pool: "p" }] };
    await engine.apply({ ...base, version: 2, listeners: [...(base.listeners ?? []), extra] });
    expect(engine.port("web")).toBe(port);
    const adminPort = engine.port("admin");
    expect((await client.get(adminPort, "/")).status).toBe(200);
    expect((await client.get(port, "/")).status).toBe(200);
    await engine.apply({ ...base, version: 3 });
    await expect(client.get(adminPort, "/")).rejects.toThrow();
    expect((await client.get(port, "/")).status).toBe(200);
    // The connection opened under the first config still serves: "web" was never rebound.
    expect(await held.get("/")).toBe("HTTP/1.1 200 OK");
  });

  it("13.6: a listener whose port another program holds is left out, the rest commits, and it binds on retry once the port is free", async () => {
    const [a, b] = await backends(["a", "b"]);
    const { engine, port, client } = await startEngine(cleanup, singlePoolConfig([a!]));
    const blocker = createServer();
    const taken = await new Promise<number>((resolve) =>
      blocker.listen(0, "127.0.0.1", () => resolve((blocker.address() as AddressInfo).port)),
    );
    const events: ListenerStatus[][] = [];
    engine.on("listeners", (status) => events.push(status));

    const next = singlePoolConfig([b!], {}, {}, 2);
    await engine.apply({
      ...next,
      listeners: [
        ...(next.listeners ?? []),
        { name: "late", bind: { host: "127.0.0.1", port: taken }, routes: [{ name: "all", pool: "p" }] },
      ],
    });
    // Everything else committed: version 2 runs and "web" serves the new pool.
    expect(engine.config?.version).toBe(2);
    expect((await client.get(port, "/")).body).toBe("b");
    const late = engine.listenerStatus().find((l) => l.name === "late");
    expect(late).toMatchObject({ state: "failed", reason: `127.0.0.1:${taken} is in use by another program` });
    expect(late && "servingOn" in late).toBe(false);
    expect(engine.listenerStatus().find((l) => l.name === "web")).toEqual({ name: "web", state: "serving" });
    expect(events.at(-1)?.find((l) => l.name === "late")?.state).toBe("failed");

    // The other program goes away; the retry binds it without a new config.
    await new Promise<void>((resolve) => blocker.close(() => resolve()));
    await eventually(() => events.at(-1)?.every((l) => l.state === "serving") ?? false, 15_000);
    expect((await client.get(taken, "/")).body).toBe("b");
  });

  it("13.6: a listener moved to a taken port keeps serving on its old one, with the new routes", async () => {
    const [a, b] = await backends(["a", "b"]);
    const { engine, port, client } = await startEngine(cleanup, singlePoolConfig([a!]));
    const blocker = createServer();
    cleanup.add(() => new Promise<void>((resolve) => blocker.close(() => resolve())));
    const taken = await new Promise<number>((resolve) =>
      blocker.listen(0, "127.0.0.1", () => resolve((blocker.address() as AddressInfo).port)),
    );
    await engine.apply(singlePoolConfig([b!], {}, { bind: { host: "127.0.0.1", port: taken } }, 2));
    expect(engine.config?.version).toBe(2);
    expect(engine.listenerStatus()).toEqual([
      {
        name: "web",
        state: "failed",
        reason: `127.0.0.1:${taken} is in use by another program`,
        retryAt: expect.any(Number),
        servingOn: `127.0.0.1:${port}`,
      },
    ]);
    expect((await client.get(port, "/")).body).toBe("b");
  });

  it("13.6: an invalid config changes nothing, and pending retries go on", async () => {
    const [a] = await backends(["a"]);
    const { engine, port, client } = await startEngine(cleanup, singlePoolConfig([a!]));
    await expect(engine.apply({ version: 2, pools: [{ name: "p", backends: "nope" }] })).rejects.toMatchObject({
      code: "WEIR_E_INVALID_CONFIG",
    });
    expect(engine.config?.version).toBe(1);
    expect((await client.get(port, "/")).body).toBe("a");
  });

  it("13.6: pools and routes that are gone leave nothing behind in the metrics", async () => {
    const [a, b] = await backends(["a", "b"]);
    const base = singlePoolConfig([a!]);
    const { engine, port, client } = await startEngine(cleanup, base);
    const withExtra = {
      ...base,
      version: 2,
      pools: [...(base.pools ?? []), { name: "q", healthCheck: { type: "none" }, backends: backendsOf([b!]) }],
      listeners: [
        {
          name: "web",
          bind: { host: "127.0.0.1", port },
          routes: [
            {
              name: "extra",
              match: { pathPrefix: "/q" },
              pool: "q",
              rateLimit: { requestsPerSecond: 100, burst: 100 },
            },
            { name: "all", pool: "p" },
          ],
        },
      ],
    };
    await engine.apply(withExtra);
    expect((await client.get(port, "/q")).body).toBe("b");
    expect(Object.keys(engine.metrics.snapshot().routes)).toContain("web/extra");
    expect(Object.keys(engine.metrics.snapshot().pools)).toContain("q");

    await engine.apply({
      ...base,
      version: 3,
      listeners: [{ ...withExtra.listeners[0]!, routes: [{ name: "all", pool: "p" }] }],
    });
    const snapshot = engine.metrics.snapshot();
    expect(Object.keys(snapshot.routes)).toEqual(["web/all"]);
    expect(Object.keys(snapshot.pools)).toEqual(["p"]);
  });

  it("13.6: a listener renamed on the same port, and two listeners swapping ports, bind at once: Weir's own sockets make way", async () => {
    const [a] = await backends(["a"]);
    const { engine, port, client } = await startEngine(cleanup, singlePoolConfig([a!]));
    const renamed = singlePoolConfig([a!], {}, { name: "public", bind: { host: "127.0.0.1", port } }, 2);
    await engine.apply(renamed);
    expect(engine.listenerStatus()).toEqual([{ name: "public", state: "serving" }]);
    expect((await client.get(port, "/")).status).toBe(200);

    const blocker = createServer();
    const second = await new Promise<number>((resolve) =>
      blocker.listen(0, "127.0.0.1", () => resolve((blocker.address() as AddressInfo).port)),
    );
    await new Promise<void>((resolve) => blocker.close(() => resolve()));
    const two = (x: number, y: number, version: number) => ({
      ...singlePoolConfig([a!], {}, {}, version),
      listeners: [
        { name: "x", bind: { host: "127.0.0.1", port: x }, routes: [{ name: "all", pool: "p" }] },
        { name: "y", bind: { host: "127.0.0.1", port: y }, routes: [{ name: "all", pool: "p" }] },
      ],
    });
    await engine.apply(two(port, second, 3));
    await engine.apply(two(second, port, 4));
    expect(engine.listenerStatus()).toEqual([
      { name: "x", state: "serving" },
      { name: "y", state: "serving" },
    ]);
    expect(engine.port("x")).toBe(second);
    expect(engine.port("y")).toBe(port);
  });
});
