import { afterEach, describe, expect, it } from "vitest";
import { Cleanup } from "../support/backends";
import { singlePoolConfig } from "../support/config";
import { startEngine } from "../support/engine";
import { headerOf, startLoggingBackend } from "../support/logging-backend";
import { RawClient } from "../support/raw-client";

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

const AFTER = "GET /after HTTP/1.1";

/** Only `example.com` is routed: a request that reaches the backend was routed by that name. */
async function setup() {
  const backend = await startLoggingBackend(cleanup);
  const { port } = await startEngine(
    cleanup,
    singlePoolConfig([backend], {}, { routes: [{ name: "ex", match: { hosts: ["example.com"] }, pool: "p" }] }),
  );
  const open = async () => {
    const c = await RawClient.open(port);
    cleanup.add(() => c.destroy());
    return c;
  };
  /** Every request the backend has seen, once a follow-up on a fresh connection was answered. */
  const seen = async () => {
    const c = await open();
    await c.write(`${AFTER}\r\nHost: example.com\r\n\r\n`);
    expect((await c.response()).status).toBe(200);
    return backend.lines();
  };
  return { backend, open, seen };
}

/** [case, status, request, request lines the backend received, the connection closes]. */
type Case = [string, number, string, string[], boolean];

const refused = (name: string, request: string, status = 400): Case => [name, status, request, [], true];

describe("RFC 9112 request checks", () => {
  it.each<Case>([
    refused("two Host headers", "GET /a HTTP/1.1\r\nHost: example.com\r\nHost: other.test\r\n\r\n"),
    refused("two equal Host headers", "GET /a HTTP/1.1\r\nHost: example.com\r\nHost: example.com\r\n\r\n"),
    refused("a Host with a space", "GET /a HTTP/1.1\r\nHost: a b\r\n\r\n"),
    refused("a Host with / and @", "GET /a HTTP/1.1\r\nHost: x/@y\r\n\r\n"),
    refused("a Host with userinfo", "GET /a HTTP/1.1\r\nHost: user@example.com\r\n\r\n"),
    refused("a Host with a bad port", "GET /a HTTP/1.1\r\nHost: example.com:8x\r\n\r\n"),
    refused("no Host in HTTP/1.1", "GET /a HTTP/1.1\r\n\r\n"),
    ["a Host with a port", 200, "GET /a HTTP/1.1\r\nHost: example.com:8080\r\n\r\n", ["GET /a HTTP/1.1"], false],
  ])("13.3: Host: %s → %s", async (_name, status, request, lines, closes) => {
    const { open, seen } = await setup();
    const c = await open();
    await c.write(request);
    const res = await c.response();
    expect(res.status).toBe(status);
    if (closes) {
      expect(res.headers.connection).toBe("close");
      expect(await c.waitClosed()).toBe(true);
    }
    expect(await seen()).toEqual([...lines, AFTER]);
  });

  it.each<Case>([
    [
      "absolute-form",
      200,
      "GET http://example.com/p?q=1 HTTP/1.1\r\nHost: other.test\r\n\r\n",
      ["GET /p?q=1 HTTP/1.1"],
      false,
    ],
    [
      "absolute-form, https, no path",
      200,
      "GET https://EXAMPLE.com:8443 HTTP/1.1\r\nHost: x\r\n\r\n",
      ["GET / HTTP/1.1"],
      false,
    ],
    [
      "absolute-form, query without path",
      200,
      "GET http://example.com?q HTTP/1.1\r\nHost: x\r\n\r\n",
      ["GET /?q HTTP/1.1"],
      false,
    ],
    refused("absolute-form with userinfo", "GET http://u:p@example.com/p HTTP/1.1\r\nHost: example.com\r\n\r\n"),
    refused("absolute-form with an empty host", "GET http://:80/p HTTP/1.1\r\nHost: example.com\r\n\r\n"),
    refused("absolute-form of another scheme", "GET ftp://example.com/p HTTP/1.1\r\nHost: example.com\r\n\r\n"),
    refused("absolute-form without Host in HTTP/1.1", "GET http://example.com/p HTTP/1.1\r\n\r\n"),
    // undici refuses a path that does not start with "/": `OPTIONS *` only on the native upstream.
    ...(process.env.WEIR_TEST_UPSTREAM === "undici"
      ? []
      : [["OPTIONS *", 200, "OPTIONS * HTTP/1.1\r\nHost: example.com\r\n\r\n", ["OPTIONS * HTTP/1.1"], false] as Case]),
    refused("GET *", "GET * HTTP/1.1\r\nHost: example.com\r\n\r\n"),
    refused("POST *", "POST * HTTP/1.1\r\nHost: example.com\r\nContent-Length: 0\r\n\r\n"),
    refused("OPTIONS *x", "OPTIONS *x HTTP/1.1\r\nHost: example.com\r\n\r\n"),
  ])("13.3: request-target: %s → %s", async (_name, status, request, lines, closes) => {
    const { backend, open, seen } = await setup();
    const c = await open();
    await c.write(request);
    const res = await c.response();
    expect(res.status).toBe(status);
    if (closes) expect(await c.waitClosed()).toBe(true);
    expect(await seen()).toEqual([...lines, AFTER]);
    if (status === 200) {
      // Routed by the target's authority, which is the one Host the backend sees.
      const host = request.includes("EXAMPLE.com:8443") ? "EXAMPLE.com:8443" : "example.com";
      expect(headerOf(backend.requests[0]!, "host")).toEqual([host]);
      if (request.includes("://")) expect(headerOf(backend.requests[0]!, "x-forwarded-host")).toEqual([host]);
    }
  });

  it.each<Case>([
    refused(
      "gzip, chunked",
      "POST /a HTTP/1.1\r\nHost: example.com\r\nTransfer-Encoding: gzip, chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
      501,
    ),
    refused(
      "gzip and chunked on two lines",
      "POST /a HTTP/1.1\r\nHost: example.com\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
      501,
    ),
    // RFC 9112 §6.3: chunked not last means the length cannot be known: 400, then close.
    refused(
      "chunked, gzip",
      "POST /a HTTP/1.1\r\nHost: example.com\r\nTransfer-Encoding: chunked, gzip\r\n\r\n0\r\n\r\n",
    ),
    refused("identity", "POST /a HTTP/1.1\r\nHost: example.com\r\nTransfer-Encoding: identity\r\n\r\nabc"),
    refused(
      "chunked in HTTP/1.0",
      "POST /a HTTP/1.0\r\nHost: example.com\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
    ),
    [
      "chunked",
      200,
      "POST /a HTTP/1.1\r\nHost: example.com\r\nTransfer-Encoding: Chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
      ["POST /a HTTP/1.1"],
      false,
    ],
  ])("13.3: Transfer-Encoding: %s → %s", async (_name, status, request, lines, closes) => {
    const { open, seen } = await setup();
    const c = await open();
    // A request pipelined behind a refused one is never forwarded: the connection closes.
    await c.write(`${request}GET /pipelined HTTP/1.1\r\nHost: example.com\r\n\r\n`);
    const res = await c.response();
    expect(res.status).toBe(status);
    if (closes) {
      expect(res.headers.connection).toBe("close");
      expect(await c.waitClosed()).toBe(true);
      expect(c.pending).toBe("");
    } else {
      expect((await c.response()).status).toBe(200);
      lines = [...lines, "GET /pipelined HTTP/1.1"];
    }
    expect(await seen()).toEqual([...lines, AFTER]);
  });

  it.each([
    ["two Host headers", "Host: example.com\r\nHost: example.com\r\n"],
    ["an invalid Host", "Host: x/@y\r\n"],
    ["a body", "Host: example.com\r\nContent-Length: 3\r\n"],
  ])("13.3: an upgrade request with %s → 400, never forwarded", async (_name, headers) => {
    const { open, seen } = await setup();
    const c = await open();
    await c.write(
      `GET /ws HTTP/1.1\r\n${headers}Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\nabc`,
    );
    expect((await c.response()).status).toBe(400);
    expect(await c.waitClosed()).toBe(true);
    expect(await seen()).toEqual([AFTER]);
  });
});
