import { connect, type Socket } from "node:net";
import {
  answerRequestLine,
  type LoggedRequest,
  type LoggingBackend,
  type LoggingResponder,
} from "../support/logging-backend";

/**
 * The harness the adversarial table runs on, shared by the vitest suite (Weir alone) and
 * `bench/adversarial/run.ts` (Weir, NGINX and HAProxy): send a case's bytes on one connection,
 * write down what the client got and what a raw logging backend received, in the same words for
 * every proxy.
 *
 * What the client got, in order: one entry per answer (`400`; a `200` also names the request the
 * backend answered, `200 GET /next`), `raw "…"` for the bytes after a `101` (the tunnel echoes),
 * `+end` where the harness sent the end marker on the still-open connection, and last `closed`
 * (the proxy closed it) or `open` (still open when the observation ended).
 */

/** Sent on the case's connection when it is still open after the answers: it must be answered, then close. */
export const END = "GET /end HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n";
/** Sent on a fresh connection after the case: once answered, what the case made the proxy forward has arrived. */
export const FENCE = "GET /fin HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n";
const FENCE_TARGET = "/fin";

export const MARK_END = "+end";
export const CLOSED = "closed";
export const OPEN = "open";

/** With the accept value for the cases' Sec-WebSocket-Key (RFC 6455's example): HAProxy checks it. */
const WEBSOCKET_101 =
  "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n";

/**
 * The backend's answers, by target: `/ws` accepts a WebSocket upgrade (then echoes every byte),
 * `/ws-h2c` answers a 101 for another protocol, `/ws-426` refuses with 426; everything else gets
 * `200` with the request's method and target as its body.
 */
export const adversarialResponder: LoggingResponder = (req) => {
  switch (targetOf(req)) {
    case "/ws":
      return { answer: WEBSOCKET_101, after: "echo" };
    case "/ws-h2c":
      return {
        answer: "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n",
        after: "echo",
      };
    case "/ws-426":
      return {
        answer:
          "HTTP/1.1 426 Upgrade Required\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nContent-Length: 0\r\n\r\n",
      };
    default:
      return answerRequestLine(req);
  }
};

const TUNNEL_TARGETS = new Set(["/ws", "/ws-h2c"]);

/** The request's path: a proxy may forward absolute-form as it came (`http://t/ws`). */
function targetOf(req: LoggedRequest): string {
  const target = req.line.split(" ")[1] ?? "";
  return /^https?:\/\/[^/?#]*(\/[^?#]*)/i.exec(target)?.[1] ?? target;
}

/** Headers worth showing: framing, Host and Upgrade, and any spelling a CGI-style backend reads as one of them. */
const SHOWN = new Set(["host", "content-length", "transfer-encoding", "upgrade"]);

/** Long values and bodies are cut in the summaries (the oversized cases). */
const SHOW_MAX = 60;

function show(text: string): string {
  const cut = text.length > SHOW_MAX ? `${text.slice(0, SHOW_MAX)}…(${text.length})` : text;
  return JSON.stringify(cut);
}

/** One request as the backend received it: `POST /a · content-length: 5 · host: t · body "hello"`. */
export function summarizeRequest(req: LoggedRequest): string {
  const [method = "", target = "", version = ""] = req.line.split(" ");
  const parts = [version === "HTTP/1.1" ? `${method} ${target}` : req.line];
  const headers = req.headers
    .filter(([name]) => SHOWN.has(name.toLowerCase().replaceAll("_", "-")))
    .map(([name, value]) => `${name.toLowerCase()}: ${value.length > SHOW_MAX ? show(value) : value}`)
    .sort();
  parts.push(...headers);
  if (req.decoded !== "") parts.push(`body ${show(req.decoded)}`);
  if (req.trailers !== "") parts.push(`trailers ${show(req.trailers)}`);
  return parts.join(" · ");
}

/**
 * Everything the backend received, the fence request left out: each request it parsed, then for
 * each connection the bytes it could not parse as requests (`incomplete "…"`), or the bytes after
 * a 101 (`tunnel "…"`).
 */
export function summarizeBackend(backend: LoggingBackend): string[] {
  const out: string[] = [];
  // A proxy that writes a Host of its own names the backend's address: the port is a different one each run.
  const port = `:${backend.port}`;
  for (const req of backend.requests)
    if (targetOf(req) !== FENCE_TARGET) out.push(summarizeRequest(req).replaceAll(port, ":<backend port>"));
  for (const conn of backend.connections) {
    let consumed = 0;
    for (const req of conn.requests) consumed += req.head.length + req.body.length;
    const rest = conn.received.slice(consumed);
    if (rest === "") continue;
    const last = conn.requests.at(-1);
    out.push(`${last !== undefined && TUNNEL_TARGETS.has(targetOf(last)) ? "tunnel" : "incomplete"} ${show(rest)}`);
  }
  return out;
}

/** When the observation of one connection is over. */
export type Until =
  /** The vitest suite: Weir's expected client entries say how many answers to wait for. */
  | { readonly expected: readonly string[]; readonly timeoutMs?: number }
  /** The comparison script: until the proxy closes, or sends nothing for `quietMs`. */
  | { readonly quietMs: number };

class Reader {
  readonly entries: string[] = [];
  private buffer = "";
  private raw = false;
  closed = false;
  private lastActivity = Date.now();
  private wake: (() => void) | undefined;

  constructor(readonly socket: Socket) {
    socket.setNoDelay(true);
    socket.on("data", (chunk: Buffer) => {
      this.buffer += chunk.toString("latin1");
      this.lastActivity = Date.now();
      this.parse();
      this.wake?.();
    });
    const done = () => {
      if (this.closed) return;
      this.closed = true;
      this.parse();
      if (this.buffer !== "") this.entries.push(`${this.raw ? "raw" : "unparsed"} ${show(this.buffer)}`);
      this.buffer = "";
      this.wake?.();
    };
    socket.on("end", done);
    socket.on("close", done);
    socket.on("error", done);
  }

  get answers(): number {
    return this.entries.filter((e) => /^\d/.test(e)).length;
  }

  /** The bytes after a 101 so far (the tunnel's echo), not yet an entry. */
  get tunnelled(): string {
    return this.raw ? this.buffer : "";
  }

  private parse(): void {
    for (;;) {
      if (this.raw) return;
      const end = this.buffer.indexOf("\r\n\r\n");
      if (end === -1) return;
      const lines = this.buffer.slice(0, end).split("\r\n");
      const statusLine = /^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? "");
      if (statusLine === null) {
        this.entries.push(`unparsed ${show(this.buffer)}`);
        this.buffer = "";
        return;
      }
      const status = Number(statusLine[1]);
      const header = (lower: string) =>
        lines
          .slice(1)
          .find((l) => l.slice(0, l.indexOf(":")).trim().toLowerCase() === lower)
          ?.slice(lower.length + 1)
          .trim();
      let offset = end + 4;
      let body = "";
      const length = header("content-length");
      if (status < 200 || status === 204 || status === 304) {
        // no body
      } else if (length !== undefined) {
        if (this.buffer.length < offset + Number(length)) return;
        body = this.buffer.slice(offset, offset + Number(length));
        offset += Number(length);
      } else if (header("transfer-encoding")?.toLowerCase() === "chunked") {
        for (;;) {
          const lineEnd = this.buffer.indexOf("\r\n", offset);
          if (lineEnd === -1) return;
          const size = Number.parseInt(this.buffer.slice(offset, lineEnd), 16);
          if (this.buffer.length < lineEnd + 2 + size + 2) return;
          body += this.buffer.slice(lineEnd + 2, lineEnd + 2 + size);
          offset = lineEnd + 2 + size + 2;
          if (size === 0) break;
        }
      } else {
        if (!this.closed) return;
        body = this.buffer.slice(offset);
        offset = this.buffer.length;
      }
      this.buffer = this.buffer.slice(offset);
      // A 200 is the backend's (its body names the request); other statuses vary in their bodies.
      this.entries.push(status === 200 ? `200 ${body}` : String(status));
      if (status === 101) this.raw = true;
    }
  }

  /** Waits until `done()` holds, the connection closed, or (quiet mode) nothing arrived for `quietMs`. */
  async until(done: () => boolean, limit: { deadline: number } | { quietMs: number }): Promise<void> {
    for (;;) {
      if (done() || this.closed) return;
      if ("deadline" in limit ? Date.now() > limit.deadline : Date.now() - this.lastActivity > limit.quietMs) return;
      await new Promise<void>((r) => {
        this.wake = r;
        setTimeout(r, 10);
      });
    }
  }

  touch(): void {
    this.lastActivity = Date.now();
  }

  finish(): string[] {
    if (this.raw && this.buffer !== "") this.entries.push(`raw ${show(this.buffer)}`);
    this.buffer = "";
    this.entries.push(this.closed ? CLOSED : OPEN);
    this.socket.destroy();
    return this.entries;
  }
}

function open(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: "127.0.0.1" });
    socket.once("connect", () => resolve(socket));
    socket.once("error", reject);
  });
}

function write(socket: Socket, data: string): Promise<void> {
  return new Promise((resolve) => socket.write(data, "latin1", () => resolve()));
}

/**
 * What the client got for `send` on one connection. With `expected`, it waits for exactly the
 * answers Weir should give before the end marker (or before the close), so nothing is proved by
 * sleeping: answers come in order, so an extra one would arrive before the marker's and show. A
 * `101` is followed by the tunnel's echo: it waits for the bytes the expected `raw` entry names.
 */
export async function observeClient(port: number, send: string, until: Until): Promise<string[]> {
  const reader = new Reader(await open(port));
  await write(reader.socket, send);
  reader.touch();
  const timeoutMs = "expected" in until ? (until.timeoutMs ?? 5_000) : 0;
  const limit = () => ("quietMs" in until ? { quietMs: until.quietMs } : { deadline: Date.now() + timeoutMs });
  if ("expected" in until) {
    const marker = until.expected.indexOf(MARK_END);
    const before = until.expected.slice(0, marker === -1 ? undefined : marker);
    const answers = before.filter((e) => /^\d/.test(e)).length;
    const raw = before.find((e) => e.startsWith("raw "));
    const tunnelled = raw === undefined ? undefined : (JSON.parse(raw.slice(4)) as string);
    await reader.until(
      () =>
        reader.answers >= answers &&
        (marker !== -1 || before.at(-1) !== CLOSED) &&
        (tunnelled === undefined || reader.tunnelled.length >= tunnelled.length),
      limit(),
    );
    if (marker !== -1 && !reader.closed) {
      reader.entries.push(MARK_END);
      await write(reader.socket, END);
      await reader.until(() => false, limit());
    }
    return reader.finish();
  }
  await reader.until(() => false, limit());
  if (!reader.closed && reader.tunnelled === "" && !reader.entries.includes("101")) {
    reader.entries.push(MARK_END);
    await write(reader.socket, END);
    reader.touch();
    await reader.until(() => false, limit());
  }
  return reader.finish();
}

/**
 * The fence: a request on a fresh connection, answered. Whatever the case made the proxy forward
 * went out before it (the proxy answered the case's requests, or refused them, first).
 */
export async function fence(port: number, timeoutMs = 5_000): Promise<void> {
  const reader = new Reader(await open(port));
  await write(reader.socket, FENCE);
  await reader.until(() => reader.answers >= 1, { deadline: Date.now() + timeoutMs });
  reader.finish();
}

export interface Observation {
  readonly client: string[];
  readonly backend: string[];
}

/** One case through the proxy on `port`, the backend's log as it was when the case began. */
export async function observe(port: number, backend: LoggingBackend, send: string, until: Until): Promise<Observation> {
  const client = await observeClient(port, send, until);
  await fence(port);
  return { client, backend: summarizeBackend(backend) };
}
