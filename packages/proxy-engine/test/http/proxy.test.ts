import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createEngine, type Engine } from "../../src";
import { Cleanup, startBackend } from "../support/backends";
import { TestClient } from "../support/client";
import { singlePoolConfig } from "../support/config";
import { rawExchange } from "../support/engine";

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

let upstream: "native" | "undici" = "native";

async function engineFor(config: unknown): Promise<{ engine: Engine; port: number; client: TestClient }> {
  const engine = createEngine({ upstream });
  cleanup.add(() => engine.close());
  await engine.apply(config);
  const client = new TestClient();
  cleanup.add(() => client.close());
  return { engine, port: engine.port("web"), client };
}

// Both upstream clients honour one contract: the core behaviours run on each.
describe.each(["native", "undici"] as const)("HTTP proxying (%s upstream)", (kind) => {
  beforeEach(() => {
    upstream = kind;
  });

  it("forwards a GET and relays status, headers and body, reusing upstream connections", async () => {
    const a = await startBackend("a");
    cleanup.add(() => a.close());
    const { port, client } = await engineFor(singlePoolConfig([a]));
    for (let i = 0; i < 50; i++) {
      const res = await client.get(port, "/x?y=1");
      expect(res.status).toBe(200);
      expect(res.body).toBe("a");
      expect(res.headers["x-backend"]).toBe("a");
      expect(res.headers["x-request-id"]).toBeTypeOf("string");
    }
    expect(a.requests).toBe(50);
    expect(a.connections).toBe(1);
  });

  it("answers 404 with a body naming the code when no route matches", async () => {
    const a = await startBackend("a");
    cleanup.add(() => a.close());
    const { port, client } = await engineFor(
      singlePoolConfig([a], {}, { routes: [{ name: "api", match: { pathPrefix: "/api" }, pool: "p" }] }),
    );
    const miss = await client.get(port, "/apiary");
    expect(miss.status).toBe(404);
    expect(miss.body).toContain("WEIR_E_NO_ROUTE");
    expect((await client.get(port, "/api/v1")).status).toBe(200);
  });

  it("answers 503 naming the cause when the pool has no backend up", async () => {
    const { port, client } = await engineFor(singlePoolConfig([]));
    const res = await client.get(port, "/");
    expect(res.status).toBe(503);
    expect(res.body).toContain("WEIR_E_NO_HEALTHY_BACKEND");
  });

  it("streams a POST body to the backend and its answer back", async () => {
    const a = await startBackend("a", (req, res) => {
      let n = 0;
      req.on("data", (c: Buffer) => {
        n += c.length;
      });
      req.on("end", () => res.end(`got ${n}`));
    });
    cleanup.add(() => a.close());
    const { port, client } = await engineFor(singlePoolConfig([a]));
    const res = await client.get(
      port,
      "/up",
      { "content-type": "application/octet-stream" },
      "POST",
      Buffer.alloc(200_000, 1),
    );
    expect(res.body).toBe("got 200000");
  });

  it("relays a chunked upload intact, and chunked, close-delimited and HEAD answers", async () => {
    const a = await startBackend("a", (req, res) => {
      let n = 0;
      req.on("data", (c: Buffer) => {
        n += c.length;
      });
      req.on("end", () => {
        if (req.url === "/close") {
          res.writeHead(200, { connection: "close" });
          res.end(`closed ${n}`);
        } else {
          res.write(`chunk ${n} `);
          res.end("done");
        }
      });
    });
    cleanup.add(() => a.close());
    const { port, client } = await engineFor(singlePoolConfig([a]));
    const answer = await rawExchange(
      port,
      "POST /x HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n",
    );
    expect(answer).toMatch(/^HTTP\/1.1 200/);
    expect(answer).toContain("chunk 11 ");
    expect((await client.get(port, "/close")).body).toBe("closed 0");
    expect((await client.get(port, "/close")).body).toBe("closed 0");
    const head = await client.get(port, "/", {}, "HEAD");
    expect(head.status).toBe(200);
    expect(head.body).toBe("");
    expect((await client.get(port, "/")).body).toBe("chunk 0 done");
  });
});
