import { afterEach, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { Cleanup } from "../support/backends";
import { spawnEngine } from "../support/child";
import { eventually, TestClient } from "../support/client";
import { singlePoolConfig } from "../support/config";
import { startEchoServer } from "../support/ws";

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

/**
 * The default suite's scaled-down soak (bench/proxy/soak.ts runs the full 10^6 + 10^5): keep-alive
 * requests through a proxy in its own process, then WebSocket open/abort cycles. Checks the same
 * properties: no new upstream connection per request in steady state (counted at the backend),
 * nothing left in flight, and no upward RSS trend.
 */
describe("steady state", () => {
  it("reuses upstream connections and shows no RSS trend over keep-alive requests and WebSocket cycles", async () => {
    const backend = await startEchoServer("b");
    let accepted = 0;
    backend.server.on("connection", () => accepted++);
    cleanup.add(() => backend.close());
    const proxy = await spawnEngine(singlePoolConfig([backend]));
    cleanup.add(() => proxy.stop());
    const client = new TestClient(8);
    cleanup.add(() => client.close());

    const batch = async (n: number) => {
      await Promise.all(
        Array.from({ length: 8 }, async () => {
          for (let i = 0; i < n / 8; i++) {
            const res = await client.get(proxy.port, "/");
            if (res.status !== 200) throw new Error(`status ${res.status}`);
          }
        }),
      );
    };
    const wsCycles = async (n: number) => {
      for (let i = 0; i < n; i++) {
        await new Promise<void>((resolve, reject) => {
          const ws = new WebSocket(`ws://127.0.0.1:${proxy.port}/ws`);
          ws.once("open", () => {
            ws.terminate();
            resolve();
          });
          ws.once("error", reject);
        });
      }
    };
    // Warm up both workloads: "where it started" is a proxy that has seen both kinds of traffic.
    await batch(4000);
    await wsCycles(100);
    await batch(1000);
    const start = await proxy.settledMemory();
    const connectionsAfterWarmUp = accepted;
    for (let round = 0; round < 4; round++) await batch(4000);
    expect(connectionsAfterWarmUp).toBeLessThanOrEqual(8 + 100);
    expect(accepted, "backend connections accepted after warm-up").toBe(connectionsAfterWarmUp);

    await wsCycles(300);
    await batch(4000);
    const end = await proxy.settledMemory();
    const mb = (n: number) => (n / 2 ** 20).toFixed(1);
    // A leak of JS objects shows in the heap after a full collection: it must not grow. RSS at this
    // small scale also moves with the allocator's arenas, so it gets a wider margin here; the full
    // soak (bench/proxy/soak.ts, 10^6 + 10^5) holds RSS to 10%.
    expect(
      (end.heapUsed - start.heapUsed) / start.heapUsed,
      `heap after GC: ${mb(start.heapUsed)} → ${mb(end.heapUsed)} MB`,
    ).toBeLessThan(0.1);
    expect((end.rss - start.rss) / start.rss, `RSS after GC: ${mb(start.rss)} → ${mb(end.rss)} MB`).toBeLessThan(0.25);
    expect(accepted - connectionsAfterWarmUp).toBe(300);
    // Every aborted tunnel was torn down on the backend side too: only the pooled keep-alive
    // connections remain open.
    const open = () => new Promise<number>((r) => backend.server.getConnections((_e, n) => r(n)));
    await eventually(async () => (await open()) <= connectionsAfterWarmUp);
  });
});
