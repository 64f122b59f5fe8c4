import { afterEach, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { Cleanup } from "../support/backends";
import { singlePoolConfig } from "../support/config";
import { startEngine } from "../support/engine";
import { startEchoServer } from "../support/ws";

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

function open(url: string, headers: Record<string, string> = {}): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.once("open", () => resolve(ws));
    ws.once("error", reject);
    ws.once("unexpected-response", (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
  });
}

function next(ws: WebSocket): Promise<string | Buffer> {
  return new Promise((resolve) =>
    ws.once("message", (data, isBinary) => resolve(isBinary ? (data as Buffer) : data.toString())),
  );
}

describe("WebSocket passthrough", () => {
  it("echoes text and binary frames through the proxy, with forwarding headers on the handshake", async () => {
    const echo = await startEchoServer("e1");
    cleanup.add(() => echo.close());
    const { port } = await startEngine(cleanup, singlePoolConfig([echo]));
    const ws = await open(`ws://127.0.0.1:${port}/socket`, { "x-request-id": "ws-1" });
    cleanup.add(() => ws.terminate());
    ws.send("hello");
    expect(await next(ws)).toBe("e1:hello");
    const blob = Buffer.alloc(200_000, 7);
    ws.send(blob);
    expect(Buffer.compare((await next(ws)) as Buffer, blob)).toBe(0);
    expect(echo.handshakes[0]?.["x-forwarded-for"]).toBe("127.0.0.1");
    expect(echo.handshakes[0]?.["x-request-id"]).toBe("ws-1");
    ws.close();
  });

  it("closes a tunnel silent for the listener's idle timeout", async () => {
    const echo = await startEchoServer("e1");
    cleanup.add(() => echo.close());
    const { port } = await startEngine(cleanup, singlePoolConfig([echo], {}, { limits: { idleTimeoutMs: 300 } }));
    const ws = await open(`ws://127.0.0.1:${port}/`);
    ws.send("x");
    expect(await next(ws)).toBe("e1:x");
    await new Promise<void>((resolve) => ws.once("close", () => resolve()));
  });

  it("refuses the upgrade with 404 when no route matches", async () => {
    const echo = await startEchoServer("e1");
    cleanup.add(() => echo.close());
    const { port } = await startEngine(
      cleanup,
      singlePoolConfig([echo], {}, { routes: [{ name: "api", match: { pathPrefix: "/api" }, pool: "p" }] }),
    );
    await expect(open(`ws://127.0.0.1:${port}/socket`)).rejects.toThrow("HTTP 404");
  });

  it("counts an open tunnel as in flight on its backend, and releases it on close", async () => {
    const echo = await startEchoServer("e1");
    cleanup.add(() => echo.close());
    const { port, engine } = await startEngine(cleanup, singlePoolConfig([echo]));
    const ws = await open(`ws://127.0.0.1:${port}/`);
    ws.send("x");
    await next(ws);
    expect(engine.health()[0]?.inFlight).toBe(1);
    await new Promise<void>((r) => {
      ws.once("close", () => r());
      ws.close();
    });
    const deadline = Date.now() + 5000;
    while (engine.health()[0]?.inFlight !== 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(engine.health()[0]?.inFlight).toBe(0);
  });
});
