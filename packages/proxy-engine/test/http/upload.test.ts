import { Readable } from "node:stream";
import { request } from "undici";
import { afterEach, describe, expect, it } from "vitest";
import { Cleanup, startBackend } from "../support/backends";
import { spawnEngine } from "../support/child";
import { TestClient } from "../support/client";
import { singlePoolConfig } from "../support/config";
import { startEngine } from "../support/engine";

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

const MB = 1024 * 1024;

/** 100 MB from one reused 64 KiB buffer: the client itself holds almost nothing. */
function hundredMegabytes(): Readable {
  const chunk = Buffer.alloc(64 * 1024, 0x61);
  let sent = 0;
  return new Readable({
    read() {
      if (sent >= 100 * MB) return this.push(null);
      sent += chunk.length;
      this.push(chunk);
    },
  });
}

describe("streaming", () => {
  it.each([
    ["Content-Length", true],
    ["chunked", false],
  ])("streams a 100 MB upload (%s) with the process growing by less than 50 MB", async (_name, withLength) => {
    const a = await startBackend("a", (req, res) => {
      let n = 0;
      req.on("data", (c: Buffer) => {
        n += c.length;
      });
      req.on("end", () => res.end(String(n)));
    });
    cleanup.add(() => a.close());
    // The proxy runs in its own process so that only its memory is measured.
    const proxy = await spawnEngine(singlePoolConfig([a], {}, { limits: { maxBodyBytes: 200 * MB } }));
    cleanup.add(() => proxy.stop());
    const client = new TestClient();
    cleanup.add(() => client.close());
    // Warm up first: the first megabytes streamed grow V8's young generation and compile the
    // stream paths, once per process. What must stay bounded is the growth an upload causes.
    for (let i = 0; i < 2; i++)
      expect((await client.get(proxy.port, "/warm-up", {}, "POST", Buffer.alloc(16 * MB))).status).toBe(200);
    if (process.env.WEIR_TEST_MEMTRACE === "1") proxy.child.kill("SIGUSR2");
    const before = proxy.rss();
    const res = await request(`http://127.0.0.1:${proxy.port}/upload`, {
      method: "POST",
      body: hundredMegabytes(),
      headers: withLength ? { "content-length": String(100 * MB) } : {},
      dispatcher: client.agent,
    });
    expect(res.statusCode).toBe(200);
    expect(await res.body.text()).toBe(String(100 * MB));
    if (process.env.WEIR_TEST_MEMTRACE === "1") proxy.child.kill("SIGUSR2");
    const growth = (proxy.peakRss() - before) / MB;
    expect(growth, `proxy RSS grew ${growth.toFixed(1)} MB`).toBeLessThan(50);
  });

  it("streams a 50 MB download to a slow reader without buffering it", async () => {
    const chunk = Buffer.alloc(64 * 1024, 0x62);
    const a = await startBackend("a", (req, res) => {
      req.resume();
      res.writeHead(200, { "content-length": String(50 * MB) });
      let sent = 0;
      const pump = () => {
        while (sent < 50 * MB) {
          sent += chunk.length;
          if (!res.write(chunk)) return res.once("drain", pump);
        }
        res.end();
      };
      pump();
    });
    cleanup.add(() => a.close());
    const { port, client } = await startEngine(cleanup, singlePoolConfig([a]));
    const before = process.memoryUsage().rss;
    let peak = before;
    const res = await request(`http://127.0.0.1:${port}/`, { dispatcher: client.agent });
    let received = 0;
    for await (const c of res.body) {
      received += (c as Buffer).length;
      peak = Math.max(peak, process.memoryUsage().rss);
      if (received % (4 * MB) < 65536) await new Promise((r) => setTimeout(r, 5));
    }
    expect(received).toBe(50 * MB);
    expect((peak - before) / MB).toBeLessThan(40);
  });
});
