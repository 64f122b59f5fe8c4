import { afterEach, describe, expect, it } from "vitest";
import { Cleanup, startBackend } from "../support/backends";
import { eventually } from "../support/client";
import { singlePoolConfig } from "../support/config";
import { startEngine } from "../support/engine";

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

describe("circuit breaking", () => {
  it("answers 503 WEIR_E_CIRCUIT_OPEN beyond maxRequests in flight, and serves again once they finish", async () => {
    const held: Array<() => void> = [];
    const slow = await startBackend("slow", (req, res) => {
      req.resume();
      held.push(() => res.end("done"));
    });
    cleanup.add(() => slow.close());
    const { port, client } = await startEngine(
      cleanup,
      singlePoolConfig([slow], {
        circuitBreaker: { maxRequests: 2, maxConnections: 2, maxPending: 0 },
        retry: { attempts: 0 },
      }),
    );
    const first = [client.get(port, "/"), client.get(port, "/")];
    await eventually(() => held.length === 2);
    const third = await client.get(port, "/");
    expect(third.status).toBe(503);
    expect(third.body).toContain("WEIR_E_CIRCUIT_OPEN");
    for (const release of held.splice(0)) release();
    expect((await Promise.all(first)).map((r) => r.status)).toEqual([200, 200]);
    const after = client.get(port, "/");
    await eventually(() => held.length === 1);
    held[0]?.();
    expect((await after).status).toBe(200);
  });

  it("caps upstream connections at maxConnections, queueing up to maxPending", async () => {
    const held: Array<() => void> = [];
    const slow = await startBackend("slow", (req, res) => {
      req.resume();
      held.push(() => res.end("done"));
    });
    cleanup.add(() => slow.close());
    const { port, client } = await startEngine(
      cleanup,
      singlePoolConfig([slow], {
        circuitBreaker: { maxRequests: 100, maxConnections: 2, maxPending: 3 },
        retry: { attempts: 0 },
      }),
    );
    const inflight = Array.from({ length: 5 }, () => client.get(port, "/"));
    await eventually(() => held.length === 2);
    expect((await client.get(port, "/")).status).toBe(503);
    while (held.length > 0 || slow.requests < 5) {
      await eventually(() => held.length > 0);
      held.shift()?.();
    }
    expect((await Promise.all(inflight)).every((r) => r.status === 200)).toBe(true);
    expect(slow.connections).toBe(2);
  });
});
