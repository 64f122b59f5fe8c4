import { connect } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { Cleanup, startBackend } from "../support/backends";
import { eventually } from "../support/client";
import { singlePoolConfig } from "../support/config";
import { startEngine } from "../support/engine";
import { startLoggingBackend } from "../support/logging-backend";
import { RawClient } from "../support/raw-client";

// Slow clients cannot hold connections: the head and the body each have a deadline of their own
// that trickled bytes do not push back, and the listener caps connections in all and per address.

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

/** Writes `text` a byte at a time until the connection closes (or the text runs out). */
async function trickleUntilClosed(client: RawClient, text: string): Promise<number> {
  let sent = 0;
  for (const byte of text) {
    if (client.closed) break;
    await client.write(byte).catch(() => {});
    sent++;
    await new Promise((r) => setTimeout(r, 20));
  }
  return sent;
}

describe("slow clients", () => {
  it("13.4: a head trickled a byte at a time gets 408 at the header deadline, however active it looks", async () => {
    const backend = await startLoggingBackend(cleanup);
    const { port } = await startEngine(
      cleanup,
      singlePoolConfig([backend], {}, { limits: { headerTimeoutMs: 300, idleTimeoutMs: 60_000 } }),
    );
    const client = await RawClient.open(port);
    cleanup.add(async () => client.socket.destroy());
    const sent = await trickleUntilClosed(client, `GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ${"a".repeat(2_000)}\r\n\r\n`);
    expect(sent).toBeLessThan(2_000); // cut off long before the head was complete
    expect((await client.response()).status).toBe(408);
    expect(backend.requests).toEqual([]);
  });

  it("13.4: a body trickled a byte at a time gets 408 at the body deadline; the backend's request is aborted", async () => {
    const backend = await startLoggingBackend(cleanup);
    const { port } = await startEngine(
      cleanup,
      singlePoolConfig([backend], {}, { limits: { bodyTimeoutMs: 300, idleTimeoutMs: 60_000 } }),
    );
    const client = await RawClient.open(port);
    cleanup.add(async () => client.socket.destroy());
    await client.write("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 2000\r\n\r\n");
    const sent = await trickleUntilClosed(client, "b".repeat(2_000));
    expect(sent).toBeLessThan(2_000);
    expect((await client.response()).status).toBe(408);
    await eventually(() => backend.connections.every((c) => c.closed));
    expect(backend.requests).toEqual([]); // never complete at the backend
  });

  it("13.4: a body that arrives in time is not cut by the body deadline", async () => {
    const backend = await startLoggingBackend(cleanup);
    const { port } = await startEngine(cleanup, singlePoolConfig([backend], {}, { limits: { bodyTimeoutMs: 5_000 } }));
    const client = await RawClient.open(port);
    cleanup.add(async () => client.socket.destroy());
    await client.write("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello");
    expect((await client.response()).status).toBe(200);
    expect(backend.requests.map((r) => r.decoded)).toEqual(["hello"]);
  });

  it("13.4: connections over the per-client cap are closed as they are accepted, and counted", async () => {
    const backend = await startBackend("a");
    cleanup.add(() => backend.close());
    const { engine, port } = await startEngine(
      cleanup,
      singlePoolConfig([backend], {}, { limits: { maxConnectionsPerClient: 2 } }),
    );
    const open = [await RawClient.open(port), await RawClient.open(port)];
    for (const c of open) cleanup.add(async () => c.socket.destroy());
    for (const c of open) {
      await c.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
      expect((await c.response()).status).toBe(200);
    }
    const third = await RawClient.open(port);
    cleanup.add(async () => third.socket.destroy());
    expect(await third.waitClosed()).toBe(true);
    expect(engine.metrics.snapshot().listeners.web).toMatchObject({ connectionsOpen: 2, connectionsRefused: 1 });

    // One leaves: there is room again.
    open[0]!.socket.destroy();
    await eventually(() => engine.metrics.snapshot().listeners.web?.connectionsOpen === 1);
    const again = await RawClient.open(port);
    cleanup.add(async () => again.socket.destroy());
    await again.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    expect((await again.response()).status).toBe(200);
  });

  it("13.4: a TCP listener at its cap closes the next connection", async () => {
    const backend = await startBackend("a");
    cleanup.add(() => backend.close());
    const config = singlePoolConfig([backend]);
    const { engine } = await startEngine(cleanup, {
      ...config,
      listeners: [
        ...(config.listeners ?? []),
        {
          name: "raw",
          protocol: "tcp",
          bind: { host: "127.0.0.1", port: 0 },
          defaultPool: "p",
          limits: { maxConnections: 1 },
        },
      ],
    });
    const rawPort = engine.port("raw");
    const first = connect(rawPort, "127.0.0.1");
    cleanup.add(async () => first.destroy());
    await eventually(() => engine.metrics.snapshot().listeners.raw?.connectionsOpen === 1);
    const second = connect(rawPort, "127.0.0.1");
    let closed = false;
    second.on("close", () => (closed = true));
    second.on("error", () => {});
    await eventually(() => closed);
    expect(engine.metrics.snapshot().listeners.raw?.connectionsRefused).toBe(1);
  });
});
