import type { AddressInfo } from "node:net";
import { connect, createServer, type Server, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { createEngine } from "../../src";
import { Cleanup } from "../support/backends";
import { eventually } from "../support/client";

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

async function tcpEcho(name: string): Promise<{ port: number; server: Server; accepted: () => number }> {
  let accepted = 0;
  const sockets = new Set<Socket>();
  const server = createServer({ allowHalfOpen: true }, (s) => {
    accepted++;
    sockets.add(s);
    s.on("error", () => {});
    s.on("close", () => sockets.delete(s));
    s.write(`${name}\n`);
    s.pipe(s);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  cleanup.add(
    () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  );
  return { port: (server.address() as AddressInfo).port, server, accepted: () => accepted };
}

function talk(port: number, payload: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const s = connect(port, "127.0.0.1", () => s.end(payload));
    s.on("data", (c) => chunks.push(c));
    s.on("error", reject);
    s.on("close", () => resolve(Buffer.concat(chunks)));
  });
}

describe("TCP (L4) mode", () => {
  it("splices bytes both ways and balances connections round robin", async () => {
    const a = await tcpEcho("a");
    const b = await tcpEcho("b");
    const engine = createEngine();
    cleanup.add(() => engine.close());
    await engine.apply({
      version: 1,
      listeners: [{ name: "db", protocol: "tcp", bind: { host: "127.0.0.1", port: 0 }, defaultPool: "p" }],
      pools: [
        {
          name: "p",
          healthCheck: { type: "tcp", intervalMs: 1000 },
          backends: [
            { id: "a", address: { host: "127.0.0.1", port: a.port } },
            { id: "b", address: { host: "127.0.0.1", port: b.port } },
          ],
        },
      ],
    });
    const port = engine.port("db");
    const payload = Buffer.alloc(1_000_000, 3);
    const names: string[] = [];
    for (let i = 0; i < 4; i++) {
      const out = await talk(port, payload);
      const newline = out.indexOf(10);
      names.push(out.subarray(0, newline).toString());
      expect(Buffer.compare(out.subarray(newline + 1), payload)).toBe(0);
    }
    expect(names).toEqual(["a", "b", "a", "b"]);
    await eventually(() => engine.metrics.snapshot().pools.p?.active === 0);
    expect(engine.metrics.snapshot().pools.p?.requests["2xx"]).toBe(4);
  });

  it("tries another backend when a connect is refused", async () => {
    const a = await tcpEcho("a");
    const dead = await tcpEcho("dead");
    await new Promise((r) => dead.server.close(r));
    const engine = createEngine();
    cleanup.add(() => engine.close());
    await engine.apply({
      version: 1,
      listeners: [{ name: "db", protocol: "tcp", bind: { host: "127.0.0.1", port: 0 }, defaultPool: "p" }],
      pools: [
        {
          name: "p",
          healthCheck: { type: "none" },
          backends: [
            { id: "dead", address: { host: "127.0.0.1", port: dead.port } },
            { id: "a", address: { host: "127.0.0.1", port: a.port } },
          ],
        },
      ],
    });
    for (let i = 0; i < 3; i++) {
      const out = await talk(engine.port("db"), Buffer.from("ping"));
      expect(out.toString()).toBe("a\nping");
    }
  });
});
