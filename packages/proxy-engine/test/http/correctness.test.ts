import { afterEach, describe, expect, it } from "vitest";
import { Cleanup, startBackend } from "../support/backends";
import { singlePoolConfig } from "../support/config";
import { rawExchange, startEngine } from "../support/engine";

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

async function setup(pool = {}, listener = {}) {
  const a = await startBackend("a", (req, res) => {
    req.resume();
    req.on("end", () => {
      res.writeHead(200, {
        connection: "x-internal, keep-alive",
        "x-internal": "secret",
        "keep-alive": "timeout=5",
        "proxy-authenticate": "Basic",
        "x-kept": "yes",
      });
      res.end("ok");
    });
  });
  cleanup.add(() => a.close());
  const { port, client, engine } = await startEngine(cleanup, singlePoolConfig([a], pool, listener));
  return { a, port, client, engine };
}

describe("hop-by-hop headers and forwarding headers", () => {
  it("removes hop-by-hop request headers, including those named by Connection", async () => {
    const { a, port } = await setup();
    const answer = await rawExchange(
      port,
      "GET /h HTTP/1.1\r\nHost: example.test\r\nConnection: X-Secret, keep-alive\r\nX-Secret: 1\r\nKeep-Alive: timeout=9\r\nTE: trailers\r\nProxy-Authorization: Basic Zm9v\r\nProxy-Connection: keep-alive\r\nX-End-To-End: yes\r\n\r\n",
      500,
    );
    expect(answer).toMatch(/^HTTP\/1.1 200/);
    const h = a.lastHeaders;
    for (const name of ["x-secret", "te", "proxy-authorization", "proxy-connection"])
      expect(h[name], name).toBeUndefined();
    expect(h["keep-alive"]).toBeUndefined();
    expect(h["x-end-to-end"]).toBe("yes");
    expect(h.host).toBe("example.test");
  });

  it("removes hop-by-hop response headers, including those named by Connection", async () => {
    const { port, client } = await setup();
    const res = await client.get(port, "/");
    expect(res.headers["x-internal"]).toBeUndefined();
    expect(res.headers["proxy-authenticate"]).toBeUndefined();
    expect(res.headers["x-kept"]).toBe("yes");
  });

  it("appends X-Forwarded-For and sets X-Forwarded-Proto and X-Forwarded-Host", async () => {
    const { a, port, client } = await setup();
    await client.get(port, "/", { "x-forwarded-for": "203.0.113.7", host: "shop.test" });
    expect(a.lastHeaders["x-forwarded-for"]).toBe("203.0.113.7, 127.0.0.1");
    expect(a.lastHeaders["x-forwarded-proto"]).toBe("http");
    expect(a.lastHeaders["x-forwarded-host"]).toBe("shop.test");
  });

  it("propagates a client's X-Request-Id, and generates a unique one otherwise", async () => {
    const { a, port, client } = await setup();
    const given = await client.get(port, "/", { "x-request-id": "req-123" });
    expect(a.lastHeaders["x-request-id"]).toBe("req-123");
    expect(given.headers["x-request-id"]).toBe("req-123");
    const one = await client.get(port, "/");
    const two = await client.get(port, "/");
    expect(one.headers["x-request-id"]).toMatch(/^[0-9a-f]{12}-[0-9a-z]+$/);
    expect(one.headers["x-request-id"]).not.toBe(two.headers["x-request-id"]);
  });

  it("applies a route's request and response header rules", async () => {
    const { a, port, client } = await setup(
      {},
      {
        routes: [
          {
            name: "all",
            pool: "p",
            requestHeaders: { add: { "x-env": "prod" }, remove: ["x-debug"] },
            responseHeaders: { add: { "x-served-by": "weir" }, remove: ["x-kept"] },
          },
        ],
      },
    );
    const res = await client.get(port, "/", { "x-debug": "1", "x-env": "dev" });
    expect(a.lastHeaders["x-debug"]).toBeUndefined();
    expect(a.lastHeaders["x-env"]).toBe("prod");
    expect(res.headers["x-served-by"]).toBe("weir");
    expect(res.headers["x-kept"]).toBeUndefined();
  });

  it("sends a rule's non-ASCII header value as UTF-8, both ways", async () => {
    const note = "café ☕";
    const { a, port, client } = await setup(
      {},
      {
        routes: [
          {
            name: "all",
            pool: "p",
            requestHeaders: { add: { "x-note": note } },
            responseHeaders: { add: { "x-note": note } },
          },
        ],
      },
    );
    const res = await client.get(port, "/");
    // Header bytes are read as latin1 on both sides (as HTTP clients and Node do).
    const utf8 = (v: unknown) => Buffer.from(String(v), "latin1").toString("utf8");
    expect(utf8(res.headers["x-note"])).toBe(note);
    expect(utf8(a.lastHeaders["x-note"])).toBe(note);
  });
});

describe("request smuggling and limits", () => {
  it.each([
    [
      "Content-Length and Transfer-Encoding together",
      "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
    ],
    [
      "two different Content-Lengths",
      "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nContent-Length: 5\r\n\r\nabcde",
    ],
    ["a non-numeric Content-Length", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4x\r\n\r\nabcd"],
    [
      "an obfuscated Transfer-Encoding",
      "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n",
    ],
    ["a bad chunk size", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n"],
  ])("refuses %s with 400 and never reaches the backend", async (_name, payload) => {
    const { a, port } = await setup();
    const answer = await rawExchange(port, payload);
    expect(answer).toMatch(/^HTTP\/1.1 400 /);
    expect(answer).toContain("WEIR_E_BAD_REQUEST");
    expect(a.requests).toBe(0);
  });

  it("answers 431 to headers over the listener's limit", async () => {
    const { a, port } = await setup({}, { limits: { maxHeaderBytes: 2048 } });
    const answer = await rawExchange(port, `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${"a".repeat(4096)}\r\n\r\n`);
    expect(answer).toMatch(/^HTTP\/1.1 431 /);
    expect(answer).toContain("WEIR_E_HEADERS_TOO_LARGE");
    expect(a.requests).toBe(0);
  });

  it("answers 413 to a Content-Length over the limit without reading the body", async () => {
    const { a, port, client } = await setup({}, { limits: { maxBodyBytes: 1000 } });
    const res = await client.get(port, "/", {}, "POST", Buffer.alloc(5000));
    expect(res.status).toBe(413);
    expect(res.body).toContain("WEIR_E_BODY_TOO_LARGE");
    expect(a.requests).toBe(0);
  });

  it("answers 413 to a chunked body that grows over the limit", async () => {
    const { port } = await setup({}, { limits: { maxBodyBytes: 1000 } });
    const chunk = "a".repeat(600);
    const answer = await rawExchange(
      port,
      `POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n258\r\n${chunk}\r\n258\r\n${chunk}\r\n0\r\n\r\n`,
    );
    expect(answer).toMatch(/^HTTP\/1.1 413 /);
  });
});
