import { createServer, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { Cleanup, type Handler, startBackend } from "../support/backends";
import { singlePoolConfig } from "../support/config";
import { startEngine } from "../support/engine";
import { RawClient } from "../support/raw-client";

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

/** Answers `<method> <url> <body bytes>`; `/slow…` answers after 150 ms, `/chunked` without a length. */
const echo: Handler = (req, res) => {
  let n = 0;
  req.on("data", (c: Buffer) => {
    n += c.length;
  });
  req.on("end", () => {
    const text = `${req.method} ${req.url} ${n}`;
    if (req.url === "/chunked") {
      res.write(text);
      res.end(" end");
    } else if (req.url?.startsWith("/slow")) setTimeout(() => res.end(text), 150);
    else res.end(text);
  });
};

async function setup(listener = {}, handler: Handler = echo) {
  const a = await startBackend("a", handler);
  cleanup.add(() => a.close());
  const { port, engine } = await startEngine(cleanup, singlePoolConfig([a], {}, listener));
  const open = async () => {
    const c = await RawClient.open(port);
    cleanup.add(() => c.destroy());
    return c;
  };
  return { a, port, engine, open };
}

describe("client connections (HTTP/1.1 on llhttp)", () => {
  it("answers pipelined requests on one connection in order, bodies included", async () => {
    const { a, open } = await setup();
    const c = await open();
    // The first answer is the slowest: answers must still come back in request order.
    await c.write(
      "GET /slow HTTP/1.1\r\nHost: t\r\n\r\n" +
        "POST /b HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nhello" +
        "GET /c HTTP/1.1\r\nHost: t\r\n\r\n",
    );
    expect((await c.response()).body).toBe("GET /slow 0");
    expect((await c.response()).body).toBe("POST /b 5");
    expect((await c.response()).body).toBe("GET /c 0");
    expect(a.requests).toBe(3);
    expect(c.closed).toBe(false);
  });

  it("reads a request split across packets: in the request line, a header name, the body", async () => {
    const { a, open } = await setup();
    const c = await open();
    await c.trickle(
      "POST /split?x=1 HTTP/1.1\r\nHost: t\r\nX-Long-Header-Name: v\r\nContent-Length: 11\r\n\r\nhello world",
      7,
    );
    const res = await c.response();
    expect(res.status).toBe(200);
    expect(res.body).toBe("POST /split?x=1 11");
    expect(a.lastHeaders["x-long-header-name"]).toBe("v");
  });

  it("passes on more than 32 header lines (llhttp hands them over in parts)", async () => {
    const { a, open } = await setup();
    const c = await open();
    let head = "GET /many HTTP/1.1\r\nHost: t\r\n";
    for (let i = 0; i < 40; i++) head += `X-H-${i}: v${i}\r\n`;
    await c.trickle(`${head}\r\n`, 100, 1);
    expect((await c.response()).body).toBe("GET /many 0");
    for (let i = 0; i < 40; i++) expect(a.lastHeaders[`x-h-${i}`]).toBe(`v${i}`);
    expect(a.lastHeaders.host).toBe("t");
  });

  it("answers Expect: 100-continue with 100 Continue, then relays the body", async () => {
    const { a, open } = await setup();
    const c = await open();
    await c.write("PUT /up HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n");
    expect((await c.response()).status).toBe(100);
    await c.write("abcde");
    expect((await c.response()).body).toBe("PUT /up 5");
    // The backend never sees the expectation: the proxy answered it.
    expect(a.lastHeaders.expect).toBeUndefined();
  });

  it("refuses a 100-continue request over the body limit without asking for the body", async () => {
    const { a, open } = await setup({ limits: { maxBodyBytes: 100 } });
    const c = await open();
    await c.write("PUT /up HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: 500\r\n\r\n");
    const res = await c.response();
    expect(res.status).toBe(413);
    expect(res.headers.connection).toBe("close");
    expect(await c.waitClosed()).toBe(true);
    expect(a.requests).toBe(0);
  });

  it("keeps the connection when it answers before the body arrived, and reads the next request", async () => {
    const { a, open } = await setup({ routes: [{ name: "api", match: { pathPrefix: "/api" }, pool: "p" }] });
    const c = await open();
    await c.write("POST /nope HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\n");
    const miss = await c.response();
    expect(miss.status).toBe(404);
    expect(miss.headers.connection).toBe("keep-alive");
    // The unread body is read and dropped; the next request on the connection is answered.
    await c.write("0123456789GET /api/x HTTP/1.1\r\nHost: t\r\n\r\n");
    expect((await c.response()).body).toBe("GET /api/x 0");
    expect(a.requests).toBe(1);
  });

  it("closes after Connection: close, and ignores what the client pipelined behind it", async () => {
    const { a, open } = await setup();
    const c = await open();
    await c.write("GET /1 HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\nGET /2 HTTP/1.1\r\nHost: t\r\n\r\n");
    const res = await c.response();
    expect(res.body).toBe("GET /1 0");
    expect(res.headers.connection).toBe("close");
    expect(await c.waitClosed()).toBe(true);
    expect(c.pending).toBe("");
    expect(a.requests).toBe(1);
  });

  it("says keep-alive with the idle timeout as a hint, and adds Date", async () => {
    const { open } = await setup({ limits: { idleTimeoutMs: 30_000 } });
    const c = await open();
    await c.write("GET / HTTP/1.1\r\nHost: t\r\n\r\n");
    const res = await c.response();
    expect(res.headers.connection).toBe("keep-alive");
    expect(res.headers["keep-alive"]).toBe("timeout=30");
    expect(Date.parse(res.headers.date ?? "")).toBeGreaterThan(0);
  });

  it("relays an answer without length chunked to HTTP/1.1 and close-delimited to HTTP/1.0", async () => {
    const { open } = await setup();
    const c11 = await open();
    await c11.write("GET /chunked HTTP/1.1\r\nHost: t\r\n\r\n");
    const chunked = await c11.response();
    expect(chunked.headers["transfer-encoding"]).toBe("chunked");
    expect(chunked.body).toBe("GET /chunked 0 end");

    const c10 = await open();
    await c10.write("GET /chunked HTTP/1.0\r\nHost: t\r\nConnection: keep-alive\r\n\r\n");
    const closeDelimited = await c10.response();
    expect(closeDelimited.headers["transfer-encoding"]).toBeUndefined();
    expect(closeDelimited.headers.connection).toBe("close");
    expect(closeDelimited.body).toBe("GET /chunked 0 end");
    expect(await c10.waitClosed()).toBe(true);
  });

  it("keeps an HTTP/1.0 connection alive only when asked, and takes a request without Host", async () => {
    const { open } = await setup();
    const kept = await open();
    await kept.write("GET /a HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    const first = await kept.response();
    expect(first.body).toBe("GET /a 0");
    expect(first.headers.connection).toBe("keep-alive");
    await kept.write("GET /b HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    expect((await kept.response()).body).toBe("GET /b 0");

    const plain = await open();
    await plain.write("GET /c HTTP/1.0\r\n\r\n");
    expect((await plain.response()).headers.connection).toBe("close");
    expect(await plain.waitClosed()).toBe(true);
  });

  it("answers HEAD with the head only, and the connection stays usable", async () => {
    const { open } = await setup();
    const c = await open();
    await c.write("HEAD /h HTTP/1.1\r\nHost: t\r\n\r\nGET /g HTTP/1.1\r\nHost: t\r\n\r\n");
    const head = await c.response({ head: true });
    expect(head.status).toBe(200);
    expect(head.headers["transfer-encoding"]).toBeUndefined();
    expect((await c.response()).body).toBe("GET /g 0");
  });

  it("answers 400 to an HTTP/1.1 request without Host, to CONNECT and to an unknown method", async () => {
    const { a, open } = await setup();
    for (const request of [
      "GET / HTTP/1.1\r\n\r\n",
      "CONNECT example.test:443 HTTP/1.1\r\nHost: example.test:443\r\n\r\n",
      "DESCRIBE / HTTP/1.1\r\nHost: t\r\n\r\n",
    ]) {
      const c = await open();
      await c.write(request);
      const res = await c.response();
      expect(res.status, request).toBe(400);
      expect(res.body).toContain("WEIR_E_BAD_REQUEST");
    }
    expect(a.requests).toBe(0);
  });

  it("answers 408 when a request head does not arrive within the headers timeout", async () => {
    const { open } = await setup({ limits: { idleTimeoutMs: 300 } });
    const c = await open();
    await c.write("GET / HTTP/1.1\r\nHo");
    const res = await c.response();
    expect(res.status).toBe(408);
    expect(res.body).toContain("WEIR_E_REQUEST_TIMEOUT");
    expect(await c.waitClosed()).toBe(true);
  });

  it("closes a keep-alive connection idle for the idle timeout, silently", async () => {
    const { open } = await setup({ limits: { idleTimeoutMs: 300 } });
    const c = await open();
    await c.write("GET / HTTP/1.1\r\nHost: t\r\n\r\n");
    expect((await c.response()).status).toBe(200);
    expect(await c.waitClosed()).toBe(true);
    expect(c.pending).toBe("");
  });

  it("cuts a request whose answer takes longer than the idle timeout (nothing moves either way)", async () => {
    const { open } = await setup({ limits: { idleTimeoutMs: 300 } }, (req, res) => {
      req.resume();
      const t = setTimeout(() => res.end("late"), 3_000);
      res.on("close", () => clearTimeout(t));
    });
    const c = await open();
    await c.write("GET / HTTP/1.1\r\nHost: t\r\n\r\n");
    expect(await c.waitClosed()).toBe(true);
    expect(c.pending).toBe("");
  });

  it("aborts the backend request when the client leaves mid-answer", async () => {
    let closedAtBackend = false;
    const { open, engine } = await setup({}, (req, res) => {
      req.resume();
      res.writeHead(200, { "content-length": "100000" });
      res.write("partial");
      res.on("close", () => {
        closedAtBackend = true;
      });
    });
    const c = await open();
    await c.write("GET / HTTP/1.1\r\nHost: t\r\n\r\n");
    const deadline = Date.now() + 5_000;
    while (!c.pending.includes("partial") && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    c.destroy();
    while (!closedAtBackend && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(closedAtBackend).toBe(true);
    expect(engine.metrics.snapshot().routes["web/all"]?.requests.error).toBe(1);
  });

  it("hands an upgrade over with the bytes read past its head", async () => {
    // A raw upstream that answers 101 and then echoes: the client's first frame bytes arrive in
    // the same packet as the handshake and must reach it.
    const sockets = new Set<Socket>();
    const raw = createServer((s) => {
      sockets.add(s);
      let seen = "";
      s.on("data", (d) => {
        seen += d.toString("latin1");
        const end = seen.indexOf("\r\n\r\n");
        if (end === -1 || !s.readable) return;
        s.removeAllListeners("data");
        s.write("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n");
        s.write(seen.slice(end + 4));
        s.pipe(s);
      });
    });
    await new Promise<void>((r) => raw.listen(0, "127.0.0.1", r));
    cleanup.add(
      () =>
        new Promise<void>((r) => {
          for (const s of sockets) s.destroy();
          raw.close(() => r());
        }),
    );
    const port0 = (raw.address() as { port: number }).port;
    const { port } = await startEngine(cleanup, singlePoolConfig([{ name: "raw", port: port0 } as never]));
    const c = await RawClient.open(port);
    cleanup.add(() => c.destroy());
    await c.write(
      "GET /ws HTTP/1.1\r\nHost: t\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\nearly-bytes",
    );
    const res = await c.response();
    expect(res.status).toBe(101);
    const deadline = Date.now() + 5_000;
    while (!c.pending.includes("early-bytes") && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(c.pending).toBe("early-bytes");
    await c.write("later");
    while (!c.pending.includes("later") && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(c.pending).toBe("early-byteslater");
  });

  it("on close, answers the request in flight with connection: close and drops idle connections at once", async () => {
    const held: Array<() => void> = [];
    const { engine, open } = await setup({}, (req, res) => {
      req.resume();
      if (req.url === "/hold") held.push(() => res.end("held"));
      else res.end("ok");
    });
    const idle = await open();
    await idle.write("GET / HTTP/1.1\r\nHost: t\r\n\r\n");
    expect((await idle.response()).body).toBe("ok");
    const busy = await open();
    await busy.write("GET /hold HTTP/1.1\r\nHost: t\r\n\r\n");
    const deadline = Date.now() + 5_000;
    while (held.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    const closing = engine.close();
    expect(await idle.waitClosed()).toBe(true);
    expect(busy.closed).toBe(false);
    held[0]?.();
    const res = await busy.response();
    expect(res.body).toBe("held");
    expect(res.headers.connection).toBe("close");
    expect(await busy.waitClosed()).toBe(true);
    await closing;
  });
});
