import { afterEach, describe, expect, it } from "vitest";
import { Cleanup } from "../support/backends";
import { singlePoolConfig } from "../support/config";
import { startEngine } from "../support/engine";
import { type LoggingResponder, startLoggingBackend, waitFor } from "../support/logging-backend";
import { RawClient } from "../support/raw-client";

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

const HANDSHAKE =
  "GET /ws HTTP/1.1\r\nHost: t\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n";
const SECOND = "GET /second HTTP/1.1\r\nHost: t\r\n\r\n";

async function setup(respond: LoggingResponder) {
  const backend = await startLoggingBackend(cleanup, respond);
  const { port } = await startEngine(cleanup, singlePoolConfig([backend]));
  const client = await RawClient.open(port);
  cleanup.add(() => client.destroy());
  return { backend, client, port };
}

describe("upgrades splice only after the backend's 101", () => {
  it("13.2: a 101 with Upgrade: websocket splices the sockets (echo works, early bytes included)", async () => {
    const { backend, client } = await setup(() => ({
      answer: "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n",
      after: "echo",
    }));
    await client.write(`${HANDSHAKE}early`);
    expect((await client.response()).status).toBe(101);
    await waitFor(() => client.pending === "early", "the early bytes echoed");
    await client.write("later");
    await waitFor(() => client.pending === "earlylater", "the later bytes echoed");
    expect(backend.lines()).toEqual(["GET /ws HTTP/1.1"]);
    expect(backend.connections).toHaveLength(1);
    // The handshake first (held bytes only after the 101), then the frames, unparsed.
    expect(backend.connections[0]?.received.endsWith("\r\n\r\nearlylater")).toBe(true);
  });

  it.each([
    ["200", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nplain", 200, "plain"],
    ["400", "HTTP/1.1 400 Bad Request\r\nContent-Length: 3\r\nConnection: keep-alive\r\n\r\nbad", 400, "bad"],
    [
      "426",
      "HTTP/1.1 426 Upgrade Required\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nContent-Length: 7\r\n\r\nupgrade",
      426,
      "upgrade",
    ],
    [
      "200 without a length (close-delimited)",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n",
      200,
      "ok",
    ],
    [
      "101 with another Upgrade token",
      "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n",
      502,
      "WEIR_E_UPSTREAM_RESET: backend closed the connection or sent an invalid response\n",
    ],
  ])("13.2: a refused upgrade (%s) is answered and closed, never a raw tunnel", async (_name, answer, status, body) => {
    // The backend keeps reading HTTP (or, after its odd 101, takes everything raw): anything the
    // proxy let through after the handshake would show up in its log.
    const { backend, client } = await setup(() => ({ answer, after: answer.includes(" 101 ") ? "echo" : "http" }));
    await client.write(HANDSHAKE + SECOND);
    const res = await client.response();
    expect(res.status).toBe(status);
    expect(res.body).toBe(body);
    // Bytes sent after the answer are read and dropped too.
    await client.write(SECOND);
    // Once the proxy closed its backend connection, nothing more can arrive on it.
    await waitFor(
      () => backend.connections.every((c) => c.closed) || backend.requests.length > 1,
      "the backend connection closed",
    );
    expect(backend.lines()).toEqual(["GET /ws HTTP/1.1"]);
    expect(backend.connections).toHaveLength(1);
    expect(backend.connections[0]?.received).toBe(backend.requests[0]?.head);
    expect(res.headers.connection).toBe("close");
    expect(await client.waitClosed()).toBe(true);
  });

  it("13.2: the client's bytes are held until the 101 arrives", async () => {
    // The backend does not answer the handshake by itself: the test writes its 101 later.
    const { backend, client, port } = await setup((req) =>
      req.line.startsWith("GET /ws") ? { answer: "" } : { answer: "HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n" },
    );
    await client.write(`${HANDSHAKE}${SECOND}`);
    await waitFor(() => backend.requests.length >= 1, "the handshake at the backend");
    // A request on another client connection, once answered, has given the proxy every chance to
    // forward what it would: the tunnel's backend connection still holds the handshake alone.
    const other = await RawClient.open(port);
    cleanup.add(() => other.destroy());
    await other.write("GET /ping HTTP/1.1\r\nHost: t\r\n\r\n");
    expect((await other.response()).status).toBe(200);
    expect(backend.lines()).toEqual(["GET /ws HTTP/1.1", "GET /ping HTTP/1.1"]);
    const tunnel = backend.connections[0];
    expect(tunnel?.received).toBe(tunnel?.requests[0]?.head);
    tunnel?.socket.write("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n");
    expect((await client.response()).status).toBe(101);
    await waitFor(() => tunnel?.received.endsWith(SECOND) === true, "the held bytes after the 101");
    expect(tunnel?.received).toBe(`${tunnel?.requests[0]?.head}${SECOND}`);
  });
});
