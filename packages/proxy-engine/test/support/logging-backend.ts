import { createServer, type Socket } from "node:net";
import type { Cleanup } from "./backends";

/** One request as a logging backend read it off the wire. */
export interface LoggedRequest {
  /** The request line as received: `POST /x HTTP/1.1`. */
  readonly line: string;
  /** The head's exact bytes (latin1), request line to the blank line included. */
  readonly head: string;
  /** `[name, value]` in order, names as sent. */
  readonly headers: ReadonlyArray<readonly [string, string]>;
  /** The body's bytes as received (chunked framing included), latin1. */
  readonly body: string;
  /** The body without its chunked framing. */
  readonly decoded: string;
  /** The trailer section of a chunked body as received (header lines, CRLF-terminated), or "". */
  readonly trailers: string;
}

export interface LoggedConnection {
  /** Every byte received on this connection, latin1. */
  received: string;
  readonly requests: LoggedRequest[];
  closed: boolean;
  readonly socket: Socket;
}

/**
 * What the backend does with a request: the exact bytes of its answer, and after it whether it keeps
 * reading HTTP (`http`), echoes every later byte back unparsed (`echo`, after a 101), or closes.
 */
export type LoggingResponder = (req: LoggedRequest) => { answer: string; after?: "http" | "echo" | "close" };

/** `200 OK` whose body is the request line's method and target. */
export const answerRequestLine: LoggingResponder = (req) => {
  const text = req.line.split(" ").slice(0, 2).join(" ");
  return { answer: `HTTP/1.1 200 OK\r\ncontent-length: ${text.length}\r\n\r\n${text}` };
};

export interface LoggingBackend {
  readonly name: string;
  readonly port: number;
  readonly connections: LoggedConnection[];
  /** Every request on every connection, in the order they were read. */
  readonly requests: LoggedRequest[];
  /** The request lines of `requests`. */
  lines(): string[];
}

export function headerOf(req: LoggedRequest, lower: string): string[] {
  return req.headers.filter(([name]) => name.toLowerCase() === lower).map(([, value]) => value);
}

/**
 * A raw TCP backend that records the exact bytes it receives and parses them as HTTP/1.1 requests
 * on its own (request line, headers, a body by Content-Length or chunked framing, nothing else),
 * so a test can say exactly which requests reached it, and a smuggled one shows up as a request.
 */
export async function startLoggingBackend(
  cleanup: Cleanup,
  respond: LoggingResponder = answerRequestLine,
  name = "log",
): Promise<LoggingBackend> {
  const connections: LoggedConnection[] = [];
  const requests: LoggedRequest[] = [];
  const server = createServer((socket) => {
    const conn: LoggedConnection = { received: "", requests: [], closed: false, socket };
    connections.push(conn);
    let buffer = "";
    let mode: "http" | "echo" | "close" = "http";
    socket.on("error", () => {});
    socket.on("close", () => {
      conn.closed = true;
    });
    socket.on("data", (chunk: Buffer) => {
      const text = chunk.toString("latin1");
      conn.received += text;
      if (mode === "echo") {
        socket.write(chunk);
        return;
      }
      if (mode === "close") return;
      buffer += text;
      for (;;) {
        const parsed = parseRequest(buffer);
        if (parsed === undefined) return;
        buffer = buffer.slice(parsed.length);
        conn.requests.push(parsed.request);
        requests.push(parsed.request);
        const reply = respond(parsed.request);
        socket.write(reply.answer, "latin1");
        mode = reply.after ?? "http";
        if (mode === "close") {
          socket.end();
          return;
        }
        if (mode === "echo") {
          if (buffer.length > 0) socket.write(buffer, "latin1");
          buffer = "";
          return;
        }
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  cleanup.add(
    () =>
      new Promise<void>((r) => {
        for (const c of connections) c.socket.destroy();
        server.close(() => r());
      }),
  );
  return {
    name,
    port: (server.address() as { port: number }).port,
    connections,
    requests,
    lines: () => requests.map((r) => r.line),
  };
}

function parseRequest(buffer: string): { request: LoggedRequest; length: number } | undefined {
  const end = buffer.indexOf("\r\n\r\n");
  if (end === -1) return undefined;
  const head = buffer.slice(0, end + 4);
  const lines = buffer.slice(0, end).split("\r\n");
  const headers = lines.slice(1).map((l): [string, string] => {
    const colon = l.indexOf(":");
    return [l.slice(0, colon), l.slice(colon + 1).trim()];
  });
  const find = (lower: string) => headers.find(([n]) => n.toLowerCase() === lower)?.[1];
  let offset = end + 4;
  let decoded = "";
  let trailers = "";
  const length = find("content-length");
  if (find("transfer-encoding")?.toLowerCase() === "chunked") {
    for (;;) {
      const lineEnd = buffer.indexOf("\r\n", offset);
      if (lineEnd === -1) return undefined;
      const size = Number.parseInt(buffer.slice(offset, lineEnd), 16);
      if (buffer.length < lineEnd + 2 + size + 2) return undefined;
      if (size === 0) {
        // The last chunk, then trailer lines up to an empty line.
        const trailerEnd = buffer.startsWith("\r\n", lineEnd + 2)
          ? lineEnd + 2
          : buffer.indexOf("\r\n\r\n", lineEnd + 2) + 2;
        if (trailerEnd === 1 || buffer.length < trailerEnd + 2) return undefined;
        trailers = buffer.slice(lineEnd + 2, trailerEnd);
        offset = trailerEnd + 2;
        break;
      }
      decoded += buffer.slice(lineEnd + 2, lineEnd + 2 + size);
      offset = lineEnd + 2 + size + 2;
    }
  } else if (length !== undefined) {
    offset += Number(length);
    if (buffer.length < offset) return undefined;
    decoded = buffer.slice(end + 4, offset);
  }
  return {
    request: { line: lines[0] ?? "", head, headers, body: buffer.slice(end + 4, offset), decoded, trailers },
    length: offset,
  };
}

/** Polls `condition` until it holds (or throws after `timeoutMs`). */
export async function waitFor(condition: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
