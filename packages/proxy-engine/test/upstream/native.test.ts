import { afterEach, describe, expect, it } from "vitest";
import { Cleanup, startBackend } from "../support/backends";
import { spawnEngine } from "../support/child";
import { TestClient } from "../support/client";
import { singlePoolConfig } from "../support/config";

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

describe("native upstream", () => {
  it("keeps nothing of the connections a backend closes (each one's parser is released)", async () => {
    // Every answer closes its connection: each request opens and drops an upstream connection.
    const a = await startBackend("a", (req, res) => {
      req.resume();
      res.writeHead(200, { connection: "close" });
      res.end("a");
    });
    cleanup.add(() => a.close());
    const proxy = await spawnEngine(singlePoolConfig([a]));
    cleanup.add(() => proxy.stop());
    const client = new TestClient(8);
    cleanup.add(() => client.close());
    const batch = (n: number) =>
      Promise.all(
        Array.from({ length: 8 }, async () => {
          for (let i = 0; i < n / 8; i++) expect((await client.get(proxy.port, "/")).status).toBe(200);
        }),
      );
    await batch(1000);
    const start = await proxy.settledMemory();
    const before = a.connections;
    await batch(4000);
    expect(a.connections - before).toBeGreaterThanOrEqual(4000);
    const end = await proxy.settledMemory();
    const mb = (n: number) => (n / 2 ** 20).toFixed(1);
    // Before the fix every closed connection kept its parser and callbacks: ~6 KB each.
    expect(
      (end.heapUsed - start.heapUsed) / start.heapUsed,
      `heap after GC: ${mb(start.heapUsed)} → ${mb(end.heapUsed)} MB`,
    ).toBeLessThan(0.1);
  });
});
