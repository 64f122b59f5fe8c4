import { Client, request } from "undici";
import { afterEach, describe, expect, it } from "vitest";
import { seededRng } from "../../src";
import { Cleanup, startBackend, type TestBackend } from "../support/backends";
import { backendsOf } from "../support/config";
import { startEngine } from "../support/engine";

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

/**
 * Each algorithm through real sockets: three backends weighted 3:2:1, requests one after another
 * (so load-aware algorithms see no load and split by weight alone), randomness seeded. Hashing
 * algorithms get a different key per request (header), ip_hash a different client address
 * (127.0.0.x).
 */
async function threeBackends(delays: number[] = [0, 0, 0]): Promise<TestBackend[]> {
  const out: TestBackend[] = [];
  for (const [i, delay] of delays.entries()) {
    const b = await startBackend(`b${i}`, (req, res, be) => {
      req.resume();
      setTimeout(() => res.end(be.name), delay);
    });
    cleanup.add(() => b.close());
    out.push(b);
  }
  return out;
}

async function configFor(algorithm: string, backends: TestBackend[]) {
  return {
    version: 1,
    listeners: [{ name: "web", bind: { host: "127.0.0.1", port: 0 }, routes: [{ name: "all", pool: "p" }] }],
    pools: [
      {
        name: "p",
        algorithm,
        hashOn: algorithm === "ring_hash" || algorithm === "maglev" ? { source: "header", name: "x-user" } : undefined,
        healthCheck: { type: "none" },
        backends: backendsOf(backends, (_b, i) => ({ weight: [3, 2, 1][i] })),
      },
    ],
  };
}

function shares(list: TestBackend[], total: number): number[] {
  return list.map((b) => b.requests / total);
}

describe("distribution through the proxy, weights 3:2:1", () => {
  const cases: Array<[string, number[], number]> = [
    ["round_robin", [1 / 3, 1 / 3, 1 / 3], 0],
    ["weighted_round_robin", [3 / 6, 2 / 6, 1 / 6], 0],
    ["random", [3 / 6, 2 / 6, 1 / 6], 0.05],
    ["least_connections", [1 / 3, 1 / 3, 1 / 3], 0.01],
    ["p2c_least_request", [2 / 3, 1 / 3, 0], 0.05],
    ["ring_hash", [3 / 6, 2 / 6, 1 / 6], 0.08],
    ["maglev", [3 / 6, 2 / 6, 1 / 6], 0.05],
  ];
  it.each(cases)("%s", async (algorithm, expected, tolerance) => {
    const list = await threeBackends();
    const { port, client } = await startEngine(cleanup, await configFor(algorithm, list), { rng: seededRng(2024) });
    const total = 1200;
    for (let i = 0; i < total; i++) await client.get(port, "/", { "x-user": `user-${i}` });
    for (const [i, share] of shares(list, total).entries()) {
      expect(Math.abs(share - (expected[i] as number)), `${algorithm} b${i}: ${share}`).toBeLessThanOrEqual(
        tolerance + 1e-9,
      );
    }
  });

  it("ring_hash and maglev send one key to one backend every time", async () => {
    for (const algorithm of ["ring_hash", "maglev"]) {
      const list = await threeBackends();
      const { port, client } = await startEngine(cleanup, await configFor(algorithm, list));
      const first = (await client.get(port, "/", { "x-user": "alice" })).body;
      for (let i = 0; i < 20; i++) expect((await client.get(port, "/", { "x-user": "alice" })).body).toBe(first);
    }
  });

  it("ip_hash spreads client addresses by weight and keeps each address on one backend", async () => {
    const list = await threeBackends();
    const { port } = await startEngine(cleanup, await configFor("ip_hash", list));
    const owner = new Map<string, Set<string>>();
    for (let host = 2; host < 122; host++) {
      const localAddress = `127.0.0.${host}`;
      const client = new Client(`http://127.0.0.1:${port}`, { localAddress });
      cleanup.add(() => client.close());
      for (let i = 0; i < 3; i++) {
        const res = await request(`http://127.0.0.1:${port}/`, { dispatcher: client });
        const body = await res.body.text();
        owner.set(localAddress, (owner.get(localAddress) ?? new Set()).add(body));
      }
    }
    for (const backends of owner.values()) expect(backends.size).toBe(1);
    for (const [i, share] of shares(list, 360).entries())
      expect(Math.abs(share - [3 / 6, 2 / 6, 1 / 6][i]!)).toBeLessThan(0.12);
  });

  it("peak_ewma (least response time) sends most requests to the fastest backend", async () => {
    const list = await threeBackends([0, 15, 40]);
    const { port, client } = await startEngine(cleanup, await configFor("peak_ewma", list), { rng: seededRng(7) });
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        for (let i = 0; i < 60; i++) await client.get(port, "/");
      }),
    );
    const [fast, mid, slow] = list.map((b) => b.requests) as [number, number, number];
    expect(fast).toBeGreaterThan(mid);
    expect(mid).toBeGreaterThanOrEqual(slow);
    expect(fast / 240).toBeGreaterThan(0.5);
  });
});
