import { afterEach, describe, expect, it } from "vitest";
import { Cleanup } from "../support/backends";
import { singlePoolConfig } from "../support/config";
import { startEngine } from "../support/engine";
import {
  answerRequestLine,
  headerOf,
  type LoggingResponder,
  startLoggingBackend,
  waitFor,
} from "../support/logging-backend";
import { RawClient } from "../support/raw-client";

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

/** A request smuggled in a body: if the body loses its framing, the backend reads this next. */
const SMUGGLED = "GET /admin HTTP/1.1\r\nHost: x\r\nX-User: admin\r\n\r\n";

async function setup(listener = {}, respond: LoggingResponder = answerRequestLine) {
  const backend = await startLoggingBackend(cleanup, respond);
  const { port } = await startEngine(cleanup, singlePoolConfig([backend], {}, listener));
  const client = await RawClient.open(port);
  cleanup.add(() => client.destroy());
  return { backend, client };
}

describe("the engine frames what it forwards itself", () => {
  it.each([
    ["Connection: content-length", "Connection: content-length\r\n", {}],
    ["Connection: Content-Length, keep-alive", "Connection: Content-Length, keep-alive\r\n", {}],
    ["Connection: host", "Connection: host\r\n", {}],
    [
      "a route removing Content-Length and Host",
      "",
      { routes: [{ name: "all", pool: "p", requestHeaders: { remove: ["content-length", "Host"] } }] },
    ],
    [
      "a route adding Content-Length",
      "",
      { routes: [{ name: "all", pool: "p", requestHeaders: { add: { "content-length": "0" } } }] },
    ],
  ])(
    "13.1: Connection cannot strip Content-Length or Host (%s): the body is never read as a request",
    async (_name, extra, listener) => {
      expect(SMUGGLED.length).toBe(47);
      const { backend, client } = await setup(listener);
      await client.write(`POST /x HTTP/1.1\r\nHost: t\r\n${extra}Content-Length: 47\r\n\r\n${SMUGGLED}`);
      expect((await client.response()).body).toBe("POST /x");
      // The follow-up on the same client connection (and pooled backend connection): once its
      // answer is here, whatever the first request's bytes became has reached the backend.
      await client.write("GET /after HTTP/1.1\r\nHost: t\r\n\r\n");
      expect((await client.response()).body).toBe("GET /after");
      expect(backend.lines()).toEqual(["POST /x HTTP/1.1", "GET /after HTTP/1.1"]);
      const post = backend.requests[0];
      expect(post?.body).toBe(SMUGGLED);
      expect(headerOf(post!, "content-length")).toEqual(["47"]);
      expect(headerOf(post!, "transfer-encoding")).toEqual([]);
      expect(headerOf(post!, "host")).toEqual(["t"]);
    },
  );

  it("13.1: a chunked body stays chunked whatever Connection names", async () => {
    const { backend, client } = await setup();
    const body = `${SMUGGLED.length.toString(16)}\r\n${SMUGGLED}\r\n0\r\n\r\n`;
    await client.write(
      `POST /x HTTP/1.1\r\nHost: t\r\nConnection: transfer-encoding, content-length\r\nTransfer-Encoding: chunked\r\n\r\n${body}`,
    );
    expect((await client.response()).body).toBe("POST /x");
    await client.write("GET /after HTTP/1.1\r\nHost: t\r\n\r\n");
    expect((await client.response()).body).toBe("GET /after");
    expect(backend.lines()).toEqual(["POST /x HTTP/1.1", "GET /after HTTP/1.1"]);
    // Exactly one framing, the proxy's own: chunked (native upstream), or a length when the
    // whole body was there before the request went out (undici measures it).
    const post = backend.requests[0]!;
    const framing = [...headerOf(post, "transfer-encoding"), ...headerOf(post, "content-length")];
    expect(framing).toEqual([framing[0] === "chunked" ? "chunked" : String(SMUGGLED.length)]);
    expect(post.decoded).toBe(SMUGGLED);
  });

  it("13.1: a backend's Connection: content-length does not change how its answer is framed", async () => {
    const { backend, client } = await setup({}, (req) =>
      req.line.startsWith("GET /first")
        ? { answer: "HTTP/1.1 200 OK\r\nConnection: content-length\r\nContent-Length: 5\r\n\r\nhello" }
        : answerRequestLine(req),
    );
    await client.write("GET /first HTTP/1.1\r\nHost: t\r\n\r\nGET /second HTTP/1.1\r\nHost: t\r\n\r\n");
    const first = await client.response();
    expect(first.headers["content-length"]).toBe("5");
    expect(first.headers["transfer-encoding"]).toBeUndefined();
    expect(first.body).toBe("hello");
    const second = await client.response();
    expect(second.body).toBe("GET /second");
    expect(client.pending).toBe("");
    await waitFor(() => backend.requests.length === 2, "both requests at the backend");
    expect(backend.lines()).toEqual(["GET /first HTTP/1.1", "GET /second HTTP/1.1"]);
  });
});
