import { createServer } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { Cleanup, startBackend } from "../support/backends";
import { singlePoolConfig } from "../support/config";
import { startEngine } from "../support/engine";

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

describe("upstream failures map to 502, 503, 504 with a body saying which", () => {
  it("answers 504 WEIR_E_UPSTREAM_TIMEOUT when the backend is slower than the first-byte timeout", async () => {
    const slow = await startBackend("slow", (req, res) => {
      req.resume();
      const t = setTimeout(() => res.end("late"), 5_000);
      res.on("close", () => clearTimeout(t));
    });
    cleanup.add(() => slow.close());
    const { port, client } = await startEngine(
      cleanup,
      singlePoolConfig([slow], { timeouts: { firstByteMs: 200 }, retry: { attempts: 0 } }),
    );
    const res = await client.get(port, "/");
    expect(res.status).toBe(504);
    expect(res.body).toContain("WEIR_E_UPSTREAM_TIMEOUT");
    expect(res.headers["x-weir-error"]).toBe("WEIR_E_UPSTREAM_TIMEOUT");
  });

  it("answers 502 WEIR_E_UPSTREAM_CONNECT when nothing listens at the backend's address", async () => {
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, "127.0.0.1", r));
    const port0 = (probe.address() as { port: number }).port;
    await new Promise((r) => probe.close(r));
    const dead = { name: "dead", port: port0 } as never;
    const { port, client } = await startEngine(cleanup, singlePoolConfig([dead], { retry: { attempts: 0 } }));
    const res = await client.get(port, "/");
    expect(res.status).toBe(502);
    expect(res.body).toContain("WEIR_E_UPSTREAM_CONNECT");
  });

  it("answers 502 WEIR_E_UPSTREAM_RESET when the backend drops the connection mid-answer", async () => {
    const rude = await startBackend("rude", (req) => {
      req.resume();
      req.socket.destroy();
    });
    cleanup.add(() => rude.close());
    const { port, client } = await startEngine(cleanup, singlePoolConfig([rude], { retry: { attempts: 0 } }));
    const res = await client.get(port, "/");
    expect(res.status).toBe(502);
    expect(res.body).toContain("WEIR_E_UPSTREAM_RESET");
  });

  it("cuts the client connection when the backend goes silent mid-body (idle timeout)", async () => {
    const stall = await startBackend("stall", (req, res) => {
      req.resume();
      res.writeHead(200, { "content-length": "100" });
      res.write("partial");
    });
    cleanup.add(() => stall.close());
    const { port, client } = await startEngine(cleanup, singlePoolConfig([stall], { timeouts: { idleMs: 200 } }));
    await expect(client.get(port, "/")).rejects.toThrow();
  });
});
