/**
 * Issue 13 item 7: the adversarial table. Each case is the exact bytes a client sends on one
 * connection (usually an attack, then an innocent `GET /next` pipelined behind it, so a request
 * smuggled out of the attack would show as an extra request at the backend), what Weir answers,
 * and the exact list of what a raw logging backend received through Weir (see `observe.ts` for
 * the words). `adversarial.test.ts` runs it against the engine; `bench/adversarial/run.ts` runs
 * the same bytes through NGINX and HAProxy and writes their answers beside Weir's
 * (`bench/adversarial/results.md`).
 */

export type Category =
  | "CL.TE"
  | "TE.CL"
  | "TE.TE"
  | "chunked body"
  | "Connection-named framing"
  | "upgrade"
  | "Host"
  | "request-target"
  | "bare LF/CR"
  | "NUL"
  | "obs-fold"
  | "oversized"
  | "duplicated headers"
  | "request line";

export interface AdversarialCase {
  readonly category: Category;
  readonly name: string;
  /** The exact bytes the client sends on one connection, latin1. */
  readonly send: string;
  /** What the client gets from Weir: answers in order, `+end` for the end marker, `closed` or `open`. */
  readonly client: readonly string[];
  /** What the logging backend received through Weir, in order. */
  readonly backend: readonly string[];
}

/** The innocent request pipelined behind an attack. */
const NEXT = "GET /next HTTP/1.1\r\nHost: t\r\n\r\n";
/** A request hidden in a body: if the body loses its framing somewhere, the backend reads it as a request. */
const SMUGGLED = "GET /smuggled HTTP/1.1\r\nHost: t\r\n\r\n";
/** `SMUGGLED` as one chunk of a chunked body (0x23 = 35 bytes), then the last chunk. */
const CHUNKED_SMUGGLED = `23\r\n${SMUGGLED}\r\n0\r\n\r\n`;
/** An empty chunked body, then `SMUGGLED`: 40 bytes, all body for a proxy that reads Content-Length. */
const ZERO_THEN_SMUGGLED = `0\r\n\r\n${SMUGGLED}`;
/** 40 header lines: past 32, llhttp hands the headers over in parts (a separate code path). */
const FILLER = Array.from({ length: 40 }, (_, i) => `X-Fill-${String(i).padStart(2, "0")}: ${i}\r\n`).join("");
const WS_HEADERS = "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n";
const ws = (target: string, extra = "", method = "GET") =>
  `${method} ${target} HTTP/1.1\r\nHost: t\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n${WS_HEADERS}${extra}\r\n`;
const BIG = "a".repeat(20_000);

/** Refused before anything reaches the backend; the connection closes, so `GET /next` is never read. */
const refused = (status = "400") => ({ client: [status, "closed"], backend: [] as string[] });
/** Answered by the backend, then `GET /next`, then the end marker on the same connection. */
const served = (first: string, backendFirst: string) => ({
  client: [`200 ${first}`, "200 GET /next", "+end", "200 GET /end", "closed"],
  backend: [backendFirst, "GET /next · host: t", "GET /end · host: t"],
});

const c = (
  category: Category,
  name: string,
  send: string,
  expected: { client: readonly string[]; backend: readonly string[] },
): AdversarialCase => ({ category, name, send, ...expected });

export const CASES: readonly AdversarialCase[] = [
  // CL.TE: both framings in one request (RFC 9112 §6.3: a server MAY reject, a proxy MUST NOT
  // forward both). llhttp in strict mode refuses the pair whatever the order or spelling.
  c(
    "CL.TE",
    "Content-Length then Transfer-Encoding, a request after the last chunk",
    `POST /a HTTP/1.1\r\nHost: t\r\nContent-Length: 40\r\nTransfer-Encoding: chunked\r\n\r\n${ZERO_THEN_SMUGGLED}${NEXT}`,
    refused(),
  ),
  c(
    "CL.TE",
    "Transfer-Encoding then Content-Length",
    `POST /a HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\nContent-Length: 40\r\n\r\n${ZERO_THEN_SMUGGLED}${NEXT}`,
    refused(),
  ),
  c(
    "CL.TE",
    "Content-Length: 0 with a chunked body",
    `POST /a HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\nTransfer-Encoding: chunked\r\n\r\n${CHUNKED_SMUGGLED}${NEXT}`,
    refused(),
  ),
  c(
    "CL.TE",
    "Transfer-Encoding: CHUNKED (upper case) with Content-Length",
    `POST /a HTTP/1.1\r\nHost: t\r\nContent-Length: 40\r\nTransfer-Encoding: CHUNKED\r\n\r\n${ZERO_THEN_SMUGGLED}${NEXT}`,
    refused(),
  ),
  c(
    "CL.TE",
    "both on a GET",
    `GET /a HTTP/1.1\r\nHost: t\r\nContent-Length: 40\r\nTransfer-Encoding: chunked\r\n\r\n${ZERO_THEN_SMUGGLED}${NEXT}`,
    refused(),
  ),
  c(
    "CL.TE",
    "Transfer-Encoding after 40 header lines (headers in parts)",
    `POST /a HTTP/1.1\r\nHost: t\r\nContent-Length: 40\r\n${FILLER}Transfer-Encoding: chunked\r\n\r\n${ZERO_THEN_SMUGGLED}${NEXT}`,
    refused(),
  ),

  // TE.CL: the front reads chunks, a backend reading Content-Length would stop inside the first.
  c(
    "TE.CL",
    "Content-Length: 4 and a chunk holding a request",
    `POST /a HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n${CHUNKED_SMUGGLED}${NEXT}`,
    refused(),
  ),
  c(
    "TE.CL",
    "Transfer-Encoding first, Content-Length: 4",
    `POST /a HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\n${CHUNKED_SMUGGLED}${NEXT}`,
    refused(),
  ),
  c(
    "TE.CL",
    "HTTP/1.0 with both",
    `POST /a HTTP/1.0\r\nHost: t\r\nTransfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\n${CHUNKED_SMUGGLED}${NEXT}`,
    refused(),
  ),
  c(
    "TE.CL",
    "Transfer-Encoding: xchunked with Content-Length: 4",
    `POST /a HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: xchunked\r\nContent-Length: 4\r\n\r\n${CHUNKED_SMUGGLED}${NEXT}`,
    refused(),
  ),
  c(
    "TE.CL",
    "Transfer-Encoding : chunked (space before the colon) with Content-Length: 4",
    `POST /a HTTP/1.1\r\nHost: t\r\nTransfer-Encoding : chunked\r\nContent-Length: 4\r\n\r\n${CHUNKED_SMUGGLED}${NEXT}`,
    refused(),
  ),
  c(
    "TE.CL",
    "Transfer_Encoding (underscore) with a Content-Length that covers a request after the last chunk",
    `POST /a HTTP/1.1\r\nHost: t\r\nContent-Length: 40\r\nTransfer_Encoding: chunked\r\n\r\n${ZERO_THEN_SMUGGLED}${NEXT}`,
    served("POST /a", `POST /a · content-length: 40 · host: t · body ${JSON.stringify(ZERO_THEN_SMUGGLED)}`),
  ),

  // TE.TE: Transfer-Encoding obfuscated so that one side might not see chunked.
  c(
    "TE.TE",
    "chunked, then a second Transfer-Encoding: x",
    `POST /a HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: x\r\n\r\n${CHUNKED_SMUGGLED}${NEXT}`,
    refused(),
  ),
  c(
    "TE.TE",
    "Transfer-Encoding: x, then a second chunked",
    `POST /a HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: x\r\nTransfer-Encoding: chunked\r\n\r\n${CHUNKED_SMUGGLED}${NEXT}`,
    refused("501"),
  ),
  c(
    "TE.TE",
    "Transfer-Encoding: xchunked",
    `POST /a HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: xchunked\r\n\r\n${CHUNKED_SMUGGLED}${NEXT}`,
    refused(),
  ),
  c(
    "TE.TE",
    'Transfer-Encoding: "chunked" (quoted)',
    `POST /a HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: "chunked"\r\n\r\n${CHUNKED_SMUGGLED}${NEXT}`,
    refused(),
  ),
  c(
    "TE.TE",
    "Transfer-Encoding: chunked, identity",
    `POST /a HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked, identity\r\n\r\n${CHUNKED_SMUGGLED}${NEXT}`,
    refused(),
  ),
  c(
    "TE.TE",
    "Transfer-Encoding: identity, chunked",
    `POST /a HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: identity, chunked\r\n\r\n${CHUNKED_SMUGGLED}${NEXT}`,
    refused("501"),
  ),
  c(
    "TE.TE",
    "Transfer-Encoding: chunked, chunked",
    `POST /a HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked, chunked\r\n\r\n${CHUNKED_SMUGGLED}${NEXT}`,
    refused(),
  ),
  c(
    "TE.TE",
    "Transfer-Encoding:<tab>chunked",
    `POST /a HTTP/1.1\r\nHost: t\r\nTransfer-Encoding:\tchunked\r\n\r\n${CHUNKED_SMUGGLED}${NEXT}`,
    served("POST /a", `POST /a · host: t · transfer-encoding: chunked · body ${JSON.stringify(SMUGGLED)}`),
  ),
  c(
    "TE.TE",
    "Transfer-Encoding:chunked (no space)",
    `POST /a HTTP/1.1\r\nHost: t\r\nTransfer-Encoding:chunked\r\n\r\n${CHUNKED_SMUGGLED}${NEXT}`,
    served("POST /a", `POST /a · host: t · transfer-encoding: chunked · body ${JSON.stringify(SMUGGLED)}`),
  ),
  c(
    "TE.TE",
    "Transfer-Encoding: cHuNkEd",
    `POST /a HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: cHuNkEd\r\n\r\n${CHUNKED_SMUGGLED}${NEXT}`,
    served("POST /a", `POST /a · host: t · transfer-encoding: chunked · body ${JSON.stringify(SMUGGLED)}`),
  ),
  c(
    "TE.TE",
    "Transfer-Encoding: <vertical tab>chunked",
    `POST /a HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: \x0bchunked\r\n\r\n${CHUNKED_SMUGGLED}${NEXT}`,
    refused(),
  ),
  c(
    "TE.TE",
    "Transfer-Encoding: chunk",
    `POST /a HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunk\r\n\r\n${CHUNKED_SMUGGLED}${NEXT}`,
    refused(),
  ),
  c(
    "TE.TE",
    "chunked in HTTP/1.0",
    `POST /a HTTP/1.0\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n${CHUNKED_SMUGGLED}${NEXT}`,
    refused(),
  ),

  // Chunked bodies whose framing is bent.
  c(
    "chunked body",
    "chunk size 0x3",
    `POST /a HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n0x3\r\nabc\r\n0\r\n\r\n${NEXT}`,
    refused(),
  ),
  c(
    "chunked body",
    "chunk size that overflows 64 bits",
    `POST /a HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\nfffffffffffffffff3\r\nabc\r\n0\r\n\r\n${NEXT}`,
    refused(),
  ),
  c(
    "chunked body",
    "chunk size followed by a space",
    `POST /a HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n3 \r\nabc\r\n0\r\n\r\n${NEXT}`,
    refused(),
  ),
  c(
    "chunked body",
    "chunk extension",
    `POST /a HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n3;ext=1\r\nabc\r\n0\r\n\r\n${NEXT}`,
    served("POST /a", 'POST /a · host: t · transfer-encoding: chunked · body "abc"'),
  ),
  c(
    "chunked body",
    "chunk data longer than its size",
    `POST /a HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcd\r\n0\r\n\r\n${NEXT}`,
    refused(),
  ),
  c(
    "chunked body",
    "a Content-Length trailer",
    `POST /a HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\nContent-Length: 40\r\n\r\n${NEXT}`,
    refused(),
  ),

  // Connection naming the framing or Host: the engine writes both after the hop-by-hop removals.
  c(
    "Connection-named framing",
    "Connection: content-length, a request as the body",
    `POST /a HTTP/1.1\r\nHost: t\r\nConnection: content-length\r\nContent-Length: 35\r\n\r\n${SMUGGLED}${NEXT}`,
    served("POST /a", `POST /a · content-length: 35 · host: t · body ${JSON.stringify(SMUGGLED)}`),
  ),
  c(
    "Connection-named framing",
    "Connection: transfer-encoding, a chunked body",
    `POST /a HTTP/1.1\r\nHost: t\r\nConnection: transfer-encoding\r\nTransfer-Encoding: chunked\r\n\r\n${CHUNKED_SMUGGLED}${NEXT}`,
    served("POST /a", `POST /a · host: t · transfer-encoding: chunked · body ${JSON.stringify(SMUGGLED)}`),
  ),
  c(
    "Connection-named framing",
    "Connection: host",
    `GET /a HTTP/1.1\r\nHost: t\r\nConnection: host\r\n\r\n${NEXT}`,
    served("GET /a", "GET /a · host: t"),
  ),
  c(
    "Connection-named framing",
    "Connection: keep-alive, Content-Length, Transfer-Encoding, Host",
    `POST /a HTTP/1.1\r\nHost: t\r\nConnection: keep-alive, Content-Length, Transfer-Encoding, Host\r\nContent-Length: 35\r\n\r\n${SMUGGLED}${NEXT}`,
    served("POST /a", `POST /a · content-length: 35 · host: t · body ${JSON.stringify(SMUGGLED)}`),
  ),
  c(
    "Connection-named framing",
    "Connection: close, content-length (nothing after it is read)",
    `POST /a HTTP/1.1\r\nHost: t\r\nConnection: close, content-length\r\nContent-Length: 35\r\n\r\n${SMUGGLED}${NEXT}`,
    {
      client: ["200 POST /a", "closed"],
      backend: [`POST /a · content-length: 35 · host: t · body ${JSON.stringify(SMUGGLED)}`],
    },
  ),

  // Upgrades: spliced only after the backend's 101 with Upgrade: websocket.
  c("upgrade", "WebSocket, accepted (101): the pipelined bytes go through the tunnel", `${ws("/ws")}${NEXT}`, {
    client: ["101", `raw ${JSON.stringify(NEXT)}`, "open"],
    backend: ["GET /ws · host: t · upgrade: websocket", `tunnel ${JSON.stringify(NEXT)}`],
  }),
  c("upgrade", "WebSocket, absolute-form target, accepted", `${ws("http://t/ws")}${NEXT}`, {
    client: ["101", `raw ${JSON.stringify(NEXT)}`, "open"],
    backend: ["GET /ws · host: t · upgrade: websocket", `tunnel ${JSON.stringify(NEXT)}`],
  }),
  c("upgrade", "WebSocket, refused with 200: nothing after the handshake is read", `${ws("/ws-refuse")}${NEXT}`, {
    client: ["200 GET /ws-refuse", "closed"],
    backend: ["GET /ws-refuse · host: t · upgrade: websocket"],
  }),
  c("upgrade", "WebSocket, refused with 426", `${ws("/ws-426")}${NEXT}`, {
    client: ["426", "closed"],
    backend: ["GET /ws-426 · host: t · upgrade: websocket"],
  }),
  c("upgrade", "WebSocket, the backend switches to another protocol (101 h2c)", `${ws("/ws-h2c")}${NEXT}`, {
    client: ["502", "closed"],
    backend: ["GET /ws-h2c · host: t · upgrade: websocket"],
  }),
  c(
    "upgrade",
    "Upgrade: h2c",
    `GET /a HTTP/1.1\r\nHost: t\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQCAAAAAAIAAAAA\r\n\r\n${NEXT}`,
    refused(),
  ),
  c(
    "upgrade",
    "WebSocket with a body (Content-Length: 3)",
    `${ws("/ws", "Content-Length: 3\r\n")}abc${NEXT}`,
    refused(),
  ),
  c(
    "upgrade",
    "WebSocket with a chunked body",
    `${ws("/ws", "Transfer-Encoding: chunked\r\n")}3\r\nabc\r\n0\r\n\r\n${NEXT}`,
    refused(),
  ),
  c("upgrade", "WebSocket with POST", `${ws("/ws", "", "POST")}${NEXT}`, refused()),
  c("upgrade", "WebSocket with two Hosts", `${ws("/ws", "Host: t\r\n")}${NEXT}`, refused()),
  c(
    "upgrade",
    "Connection: Upgrade without Upgrade",
    `GET /a HTTP/1.1\r\nHost: t\r\nConnection: Upgrade\r\n\r\n${NEXT}`,
    served("GET /a", "GET /a · host: t"),
  ),
  c(
    "upgrade",
    "Upgrade: websocket without Connection: Upgrade",
    `GET /a HTTP/1.1\r\nHost: t\r\nUpgrade: websocket\r\n${WS_HEADERS}\r\n${NEXT}`,
    served("GET /a", "GET /a · host: t"),
  ),
  c(
    "upgrade",
    "WebSocket pipelined behind a GET: answered in order, then the tunnel",
    `GET /a HTTP/1.1\r\nHost: t\r\n\r\n${ws("/ws")}${NEXT}`,
    {
      client: ["200 GET /a", "101", `raw ${JSON.stringify(NEXT)}`, "open"],
      backend: ["GET /a · host: t", "GET /ws · host: t · upgrade: websocket", `tunnel ${JSON.stringify(NEXT)}`],
    },
  ),

  // Host (RFC 9112 §3.2): exactly one, and a valid one.
  c("Host", "two different Hosts", `GET /a HTTP/1.1\r\nHost: t\r\nHost: u\r\n\r\n${NEXT}`, refused()),
  c("Host", "two equal Hosts", `GET /a HTTP/1.1\r\nHost: t\r\nHost: t\r\n\r\n${NEXT}`, refused()),
  c("Host", "Host: a b", `GET /a HTTP/1.1\r\nHost: a b\r\n\r\n${NEXT}`, refused()),
  c("Host", "Host: x/@y", `GET /a HTTP/1.1\r\nHost: x/@y\r\n\r\n${NEXT}`, refused()),
  c("Host", "Host: t:8x (bad port)", `GET /a HTTP/1.1\r\nHost: t:8x\r\n\r\n${NEXT}`, refused()),
  c("Host", "no Host in HTTP/1.1", `GET /a HTTP/1.1\r\n\r\n${NEXT}`, refused()),
  c("Host", "Host : t (space before the colon)", `GET /a HTTP/1.1\r\nHost : t\r\n\r\n${NEXT}`, refused()),
  c(
    "Host",
    "a second Host after 40 header lines (headers in parts)",
    `GET /a HTTP/1.1\r\nHost: t\r\n${FILLER}Host: u\r\n\r\n${NEXT}`,
    refused(),
  ),
  c("Host", "empty Host", `GET /a HTTP/1.1\r\nHost:\r\n\r\n${NEXT}`, {
    client: ["200 GET /a", "200 GET /next", "+end", "200 GET /end", "closed"],
    backend: ["GET /a · host: ", "GET /next · host: t", "GET /end · host: t"],
  }),
  c(
    "Host",
    "Host: [::1]:8080 (IP literal and port)",
    `GET /a HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n${NEXT}`,
    served("GET /a", "GET /a · host: [::1]:8080"),
  ),
  c("Host", "no Host in HTTP/1.0", `GET /a HTTP/1.0\r\n\r\n${NEXT}`, {
    client: ["200 GET /a", "closed"],
    backend: ["GET /a · host: 127.0.0.1:<backend port>"],
  }),

  // Request targets (RFC 9112 §3.2).
  c(
    "request-target",
    "absolute-form naming another host than Host",
    `GET http://example.com/p?q HTTP/1.1\r\nHost: t\r\n\r\n${NEXT}`,
    served("GET /p?q", "GET /p?q · host: example.com"),
  ),
  c(
    "request-target",
    "absolute-form with userinfo",
    `GET http://u:p@t/p HTTP/1.1\r\nHost: t\r\n\r\n${NEXT}`,
    refused(),
  ),
  c("request-target", "absolute-form, ftp scheme", `GET ftp://t/p HTTP/1.1\r\nHost: t\r\n\r\n${NEXT}`, refused()),
  c("request-target", "absolute-form without Host", `GET http://t/p HTTP/1.1\r\n\r\n${NEXT}`, refused()),
  c("request-target", "GET *", `GET * HTTP/1.1\r\nHost: t\r\n\r\n${NEXT}`, refused()),
  c(
    "request-target",
    "OPTIONS *",
    `OPTIONS * HTTP/1.1\r\nHost: t\r\n\r\n${NEXT}`,
    served("OPTIONS *", "OPTIONS * · host: t"),
  ),
  c("request-target", "CONNECT authority-form", `CONNECT t:80 HTTP/1.1\r\nHost: t:80\r\n\r\n${NEXT}`, refused()),
  c("request-target", "a path without a leading /", `GET a/b HTTP/1.1\r\nHost: t\r\n\r\n${NEXT}`, refused()),
  c(
    "request-target",
    "a path starting with //",
    `GET //a/b HTTP/1.1\r\nHost: t\r\n\r\n${NEXT}`,
    served("GET //a/b", "GET //a/b · host: t"),
  ),
  c(
    "request-target",
    "a fragment in the target",
    `GET /a#f HTTP/1.1\r\nHost: t\r\n\r\n${NEXT}`,
    served("GET /a#f", "GET /a#f · host: t"),
  ),

  // Line endings (RFC 9112 §2.2): bare CR is refused; LF alone is refused too (strict llhttp).
  c("bare LF/CR", "LF line endings throughout", `GET /a HTTP/1.1\nHost: t\n\n${NEXT}`, refused()),
  c("bare LF/CR", "LF after the request line", `GET /a HTTP/1.1\nHost: t\r\n\r\n${NEXT}`, refused()),
  c("bare LF/CR", "LF ending the head", `GET /a HTTP/1.1\r\nHost: t\r\n\n${NEXT}`, refused()),
  c("bare LF/CR", "CR inside a header value", `GET /a HTTP/1.1\r\nHost: t\r\nX: a\rb\r\n\r\n${NEXT}`, refused()),
  c("bare LF/CR", "CR ending a header line", `GET /a HTTP/1.1\r\nX: a\rHost: t\r\n\r\n${NEXT}`, refused()),
  c(
    "bare LF/CR",
    "LF after a chunk size",
    `POST /a HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n3\nabc\r\n0\r\n\r\n${NEXT}`,
    refused(),
  ),
  c(
    "bare LF/CR",
    "an empty line before the request",
    `\r\nGET /a HTTP/1.1\r\nHost: t\r\n\r\n${NEXT}`,
    served("GET /a", "GET /a · host: t"),
  ),

  // NUL.
  c("NUL", "NUL in a header value", `GET /a HTTP/1.1\r\nHost: t\r\nX: a\0b\r\n\r\n${NEXT}`, refused()),
  c("NUL", "NUL in the target", `GET /a\0b HTTP/1.1\r\nHost: t\r\n\r\n${NEXT}`, refused()),
  c("NUL", "NUL in a header name", `GET /a HTTP/1.1\r\nHost: t\r\nX\0: b\r\n\r\n${NEXT}`, refused()),
  c(
    "NUL",
    "NUL in a chunk extension",
    `POST /a HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n3;\0\r\nabc\r\n0\r\n\r\n${NEXT}`,
    refused(),
  ),
  c(
    "NUL",
    "NUL in body data (bytes, forwarded as they are)",
    `POST /a HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n\r\na\0b${NEXT}`,
    served("POST /a", 'POST /a · content-length: 3 · host: t · body "a\\u0000b"'),
  ),

  // obs-fold (RFC 9112 §5.2: reject, or replace with spaces) and whitespace before the first header.
  c("obs-fold", "a folded header value", `GET /a HTTP/1.1\r\nHost: t\r\nX: a\r\n b\r\n\r\n${NEXT}`, refused()),
  c("obs-fold", "a folded Host", `GET /a HTTP/1.1\r\nHost:\r\n t\r\n\r\n${NEXT}`, refused()),
  c(
    "obs-fold",
    "a folded Transfer-Encoding with Content-Length: 4",
    `POST /a HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\nTransfer-Encoding:\r\n chunked\r\n\r\n${CHUNKED_SMUGGLED}${NEXT}`,
    refused(),
  ),
  c(
    "obs-fold",
    "whitespace before the first header line",
    `GET /a HTTP/1.1\r\n X: y\r\nHost: t\r\n\r\n${NEXT}`,
    refused(),
  ),

  // Oversized heads and bodies.
  c(
    "oversized",
    "a 20 kB header (limit 16 KiB)",
    `GET /a HTTP/1.1\r\nHost: t\r\nX: ${BIG}\r\n\r\n${NEXT}`,
    refused("431"),
  ),
  c("oversized", "a 20 kB target", `GET /${BIG} HTTP/1.1\r\nHost: t\r\n\r\n${NEXT}`, refused("431")),
  c(
    "oversized",
    "a Content-Length over maxBodyBytes (10 MiB), the body never sent",
    `POST /a HTTP/1.1\r\nHost: t\r\nContent-Length: 20000000\r\n\r\n${NEXT}`,
    refused("413"),
  ),
  c(
    "oversized",
    "a 20 kB chunk extension",
    `POST /a HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n3;x=${BIG}\r\nabc\r\n0\r\n\r\n${NEXT}`,
    refused("413"),
  ),
  c(
    "oversized",
    "40 header lines under the limit",
    `GET /a HTTP/1.1\r\nHost: t\r\n${FILLER}\r\n${NEXT}`,
    served("GET /a", "GET /a · host: t"),
  ),

  // Duplicated and malformed framing headers.
  c(
    "duplicated headers",
    "two equal Content-Lengths",
    `POST /a HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc${NEXT}`,
    refused(),
  ),
  c(
    "duplicated headers",
    "two different Content-Lengths",
    `POST /a HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\nContent-Length: 38\r\n\r\nabc${SMUGGLED}${NEXT}`,
    refused(),
  ),
  c(
    "duplicated headers",
    "Content-Length: 3, 3",
    `POST /a HTTP/1.1\r\nHost: t\r\nContent-Length: 3, 3\r\n\r\nabc${NEXT}`,
    refused(),
  ),
  c(
    "duplicated headers",
    "Content-Length: +3",
    `POST /a HTTP/1.1\r\nHost: t\r\nContent-Length: +3\r\n\r\nabc${NEXT}`,
    refused(),
  ),
  c(
    "duplicated headers",
    "Content-Length: 0x3",
    `POST /a HTTP/1.1\r\nHost: t\r\nContent-Length: 0x3\r\n\r\nabc${NEXT}`,
    refused(),
  ),
  c(
    "duplicated headers",
    "Content-Length: 003",
    `POST /a HTTP/1.1\r\nHost: t\r\nContent-Length: 003\r\n\r\nabc${NEXT}`,
    served("POST /a", 'POST /a · content-length: 003 · host: t · body "abc"'),
  ),
  c(
    "duplicated headers",
    "Content-Length over 2^64",
    `POST /a HTTP/1.1\r\nHost: t\r\nContent-Length: 99999999999999999999\r\n\r\nabc${NEXT}`,
    refused(),
  ),
  c(
    "duplicated headers",
    "Transfer-Encoding: chunked twice",
    `POST /a HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n${CHUNKED_SMUGGLED}${NEXT}`,
    refused(),
  ),

  // The request line.
  c("request line", "HTTP/1.2", `GET /a HTTP/1.2\r\nHost: t\r\n\r\n${NEXT}`, refused()),
  c("request line", "HTTP/2.0", `GET /a HTTP/2.0\r\nHost: t\r\n\r\n${NEXT}`, refused()),
  c("request line", "lower-case method", `get /a HTTP/1.1\r\nHost: t\r\n\r\n${NEXT}`, refused()),
  c(
    "request line",
    "two spaces after the method",
    `GET  /a HTTP/1.1\r\nHost: t\r\n\r\n${NEXT}`,
    served("GET /a", "GET /a · host: t"),
  ),
  c("request line", "HTTP/0.9 (no version)", `GET /a\r\nHost: t\r\n\r\n${NEXT}`, refused()),
  c("request line", "the HTTP/2 preface", `PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n${NEXT}`, refused()),
];
