import { connect, type Socket } from "node:net";
import type { Readable } from "node:stream";
import {
  HTTPParser,
  kOnBody,
  kOnExecute,
  kOnHeaders,
  kOnHeadersComplete,
  kOnMessageComplete,
  type NativeParser,
  parserResource,
  releaseParser,
} from "../util/llhttp";
import {
  UPSTREAM_BODY_TIMEOUT,
  UPSTREAM_CLOSED,
  UPSTREAM_CONNECT_TIMEOUT,
  UPSTREAM_HEADERS_TIMEOUT,
  type Upstream,
  type UpstreamHandler,
  type UpstreamOptions,
  type UpstreamRequest,
  upstreamError,
} from "./types";

/**
 * Timeouts are checked by one sweep every SWEEP_MS over the connections that have a deadline,
 * instead of a timer per request: arming a timeout is one number assignment. Deadlines are thus
 * honoured within SWEEP_MS. Time is the engine's injected clock (`options.now`), read per pool.
 */
const SWEEP_MS = 50;
const live = new Set<NativeUpstream>();
let sweeper: NodeJS.Timeout | undefined;

function startSweeper(): void {
  if (sweeper !== undefined) return;
  sweeper = setInterval(() => {
    for (const pool of live) pool.sweep(pool.options.now());
  }, SWEEP_MS);
  sweeper.unref();
}

/** Idle keep-alive connections are dropped this long before the backend's announced timeout. */
const KEEP_ALIVE_MARGIN_MS = 1_000;
/** When the backend announces nothing: Node's own default keep-alive timeout is 5 s. */
const DEFAULT_KEEP_ALIVE_MS = 4_000;

const CONNECTING = 0;
const IDLE = 1;
const ACTIVE = 2;
const CLOSED = 3;

/**
 * One keep-alive connection. Node's parser consumes the socket's handle directly (as Node's HTTP
 * server does), so response bytes go from libuv to llhttp in C++ without a JS 'data' event, and
 * headers arrive as strings. Every callback is a method bound once per connection: a request on
 * an open connection allocates nothing here but the request head string.
 */
class Connection {
  state = CONNECTING;
  handler: UpstreamHandler | null = null;
  private pending: UpstreamRequest | null = null;
  private readonly socket: Socket;
  private readonly parser: NativeParser;
  private extraHeaders: string[] | null = null;
  private keepAlive = true;
  private informational = false;
  private headResponse = false;
  /** Deadline (ms, sweep clock) of the current phase; 0 = none. */
  deadline = 0;
  private deadlineCode = "";
  private bodyTimeout = 0;
  idleSince = 0;
  keepAliveMs = DEFAULT_KEEP_ALIVE_MS;
  private body: Readable | null = null;
  private bodyChunked = false;
  private bodyDone = true;
  private readingPaused = false;
  private opened = false;

  private readonly now: () => number;

  constructor(private readonly pool: NativeUpstream) {
    const o = pool.options;
    this.socket = connect({ host: o.host, port: o.port, noDelay: true });
    this.now = o.now;
    this.deadline = o.now() + o.connectTimeoutMs;
    this.deadlineCode = UPSTREAM_CONNECT_TIMEOUT;
    const parser = new HTTPParser();
    parser.initialize(HTTPParser.RESPONSE, parserResource, 0, 0);
    parser[kOnHeaders] = this.onParserHeaders;
    parser[kOnHeadersComplete] = this.onParserHeadersComplete;
    parser[kOnBody] = this.onParserBody;
    parser[kOnMessageComplete] = this.onParserMessageComplete;
    parser[kOnExecute] = this.onParserExecute;
    this.parser = parser;
    this.socket.on("connect", this.onSocketConnect);
    this.socket.on("error", this.onSocketError);
    this.socket.on("end", this.onSocketEnd);
    this.socket.on("close", this.onSocketClose);
    this.socket.on("drain", this.onSocketDrain);
  }

  /** Starts a request; on a connection still connecting it is sent once connected. */
  send(request: UpstreamRequest, handler: UpstreamHandler): void {
    this.handler = handler;
    if (this.state === CONNECTING) {
      this.pending = request;
      return;
    }
    this.write(request);
  }

  private write(request: UpstreamRequest): void {
    const handler = this.handler as UpstreamHandler;
    this.state = ACTIVE;
    this.informational = false;
    this.headResponse = request.method === "HEAD";
    this.extraHeaders = null;
    this.bodyTimeout = request.bodyTimeout;
    this.deadline = request.headersTimeout > 0 ? this.now() + request.headersTimeout : 0;
    this.deadlineCode = UPSTREAM_HEADERS_TIMEOUT;
    this.sent = false;
    handler.onConnect(this.abort);
    if (this.handler !== handler) return; // aborted from onConnect: nothing was sent
    this.sent = true;
    let head = `${request.method} ${request.path} HTTP/1.1\r\n`;
    const h = request.headers;
    for (let i = 0; i < h.length; i += 2) head += `${h[i]}: ${h[i + 1]}\r\n`;
    if (request.needsHost) head += `host: ${this.pool.options.authority}\r\n`;
    const body = request.body;
    if (body === null) {
      this.socket.write(`${head}\r\n`, "latin1");
      return;
    }
    if (body.errored !== null) {
      this.destroy(body.errored as Error);
      return;
    }
    this.bodyChunked = request.bodyLength < 0;
    this.body = body;
    this.bodyDone = false;
    if (this.bodyChunked) {
      // The head waits for the first chunk: a client whose chunked framing turns out to be bad
      // (400) then never reaches the backend at all.
      this.head = `${head}transfer-encoding: chunked\r\n\r\n`;
    } else {
      this.socket.write(`${head}\r\n`, "latin1");
    }
    body.on("data", this.onBodyData);
    body.on("end", this.onBodyEnd);
    body.on("error", this.onBodyError);
    body.resume();
  }

  /** Request head held back until a chunked body's first bytes arrive. */
  private head: string | null = null;

  private flushHead(): void {
    if (this.head !== null) {
      this.socket.write(this.head, "latin1");
      this.head = null;
    }
  }

  // Request body: streamed with backpressure (pause the client while the backend's socket is full).
  private readonly onBodyData = (chunk: Buffer): void => {
    this.flushHead();
    let ok: boolean;
    if (this.bodyChunked) {
      this.socket.write(`${chunk.length.toString(16)}\r\n`, "latin1");
      this.socket.write(chunk);
      ok = this.socket.write("\r\n", "latin1");
    } else {
      ok = this.socket.write(chunk);
    }
    if (!ok) this.body?.pause();
  };

  private readonly onSocketDrain = (): void => {
    if (this.body !== null && !this.bodyDone) this.body.resume();
  };

  private readonly onBodyEnd = (): void => {
    this.flushHead();
    if (this.bodyChunked) this.socket.write("0\r\n\r\n", "latin1");
    this.detachBody();
  };

  private readonly onBodyError = (err: Error): void => {
    this.detachBody();
    this.destroy(err);
  };

  private detachBody(): void {
    this.head = null;
    const body = this.body;
    if (body === null) return;
    this.bodyDone = true;
    body.off("data", this.onBodyData);
    body.off("end", this.onBodyEnd);
    body.off("error", this.onBodyError);
    this.body = null;
  }

  // Response parsing.
  private readonly onParserHeaders = (headers: string[]): void => {
    // Called only when a response has more header lines than llhttp buffers at once (> 32).
    this.extraHeaders = this.extraHeaders === null ? headers.slice() : this.extraHeaders.concat(headers);
  };

  private readonly onParserHeadersComplete = (
    _major: number,
    _minor: number,
    headers: string[] | undefined,
    _method: unknown,
    _url: unknown,
    statusCode: number,
    _statusMessage: string,
    _upgrade: boolean,
    shouldKeepAlive: boolean,
  ): number => {
    let all = headers ?? [];
    if (this.extraHeaders !== null) {
      all = this.extraHeaders.concat(all);
      this.extraHeaders = null;
    }
    if (statusCode < 200) {
      // 100 Continue, 103 Early Hints: the proxy answers Expect itself and drops hints.
      this.informational = true;
      return 0;
    }
    this.keepAlive = shouldKeepAlive;
    for (let i = 0; i < all.length; i += 2) {
      const name = all[i] as string;
      if (name.length === 10 && (name === "keep-alive" || name.toLowerCase() === "keep-alive"))
        this.readKeepAlive(all[i + 1] as string);
    }
    this.deadline = this.bodyTimeout > 0 ? this.now() + this.bodyTimeout : 0;
    this.deadlineCode = UPSTREAM_BODY_TIMEOUT;
    const handler = this.handler;
    if (handler !== null && !handler.onHeaders(statusCode, all, this.resume)) this.pauseReading();
    // 1 tells llhttp the response has no body (HEAD), whatever its Content-Length says.
    return this.headResponse ? 1 : 0;
  };

  /** The backend's Keep-Alive header; it repeats the same value on every answer, read once. */
  private keepAliveSeen = "";

  private readKeepAlive(value: string): void {
    if (value === this.keepAliveSeen) return;
    this.keepAliveSeen = value;
    const m = /timeout=(\d+)/i.exec(value);
    if (m !== null) this.keepAliveMs = Math.max(0, Number(m[1]) * 1000 - KEEP_ALIVE_MARGIN_MS);
  }

  private readonly onParserBody = (chunk: Buffer): void => {
    if (this.bodyTimeout > 0) this.deadline = this.now() + this.bodyTimeout;
    const handler = this.handler;
    if (handler !== null && !handler.onData(chunk)) this.pauseReading();
  };

  private readonly onParserMessageComplete = (): void => {
    if (this.informational) {
      this.informational = false;
      return;
    }
    const handler = this.handler;
    this.handler = null;
    this.deadline = 0;
    if (this.readingPaused) this.resume();
    // A backend that answered before reading the whole request body cannot take another request.
    if (this.keepAlive && this.bodyDone && this.state === ACTIVE) {
      this.state = IDLE;
      this.idleSince = this.now();
      this.pool.release(this);
    } else {
      this.destroy(null);
    }
    handler?.onComplete();
  };

  private readonly onParserExecute = (ret: number | Error): void => {
    if (ret instanceof Error)
      this.destroy(Object.assign(ret, { code: (ret as Error & { code?: string }).code ?? "HPE_INVALID" }));
  };

  // Backpressure on the response: stop reading the backend's socket while the client is full.
  private pauseReading(): void {
    const handle = (this.socket as Socket & { _handle?: { readStop(): void } })._handle;
    if (handle && !this.readingPaused) {
      this.readingPaused = true;
      handle.readStop();
    }
  }

  private readonly resume = (): void => {
    const handle = (this.socket as Socket & { _handle?: { readStart(): void } })._handle;
    if (handle && this.readingPaused) {
      this.readingPaused = false;
      handle.readStart();
    }
  };

  /** Whether the current request's head went out: before that, an abort keeps the connection. */
  private sent = false;

  private readonly abort = (err?: Error): void => {
    const handler = this.handler;
    if (handler === null) return;
    const reason = err ?? upstreamError(UPSTREAM_CLOSED, "request aborted");
    if (!this.sent && this.state === ACTIVE) {
      // The client left while its request waited for this connection: hand the connection to
      // the next request instead of closing a healthy keep-alive socket.
      this.handler = null;
      this.deadline = 0;
      this.state = IDLE;
      this.idleSince = this.now();
      this.pool.release(this);
      handler.onError(reason);
      return;
    }
    this.destroy(reason);
  };

  // Socket lifecycle.
  private readonly onSocketConnect = (): void => {
    this.opened = true;
    this.pool.options.onConnectionOpened();
    this.parser.consume((this.socket as Socket & { _handle: unknown })._handle);
    const request = this.pending;
    this.pending = null;
    this.deadline = 0;
    if (request !== null && this.handler !== null) this.write(request);
    else {
      this.state = IDLE;
      this.idleSince = this.now();
      this.pool.release(this);
    }
  };

  private readonly onSocketError = (err: Error): void => {
    this.destroy(err);
  };

  private readonly onSocketEnd = (): void => {
    // A close-delimited response (no length, not chunked) ends with the connection.
    if (this.handler !== null && !this.informational) {
      const ret = this.parser.finish();
      if (ret instanceof Error) {
        this.destroy(ret);
        return;
      }
    }
    this.destroy(null);
  };

  private readonly onSocketClose = (): void => {
    this.destroy(null);
  };

  /** Timeout check, from the pool's sweep. */
  check(now: number): void {
    if (this.deadline !== 0 && now >= this.deadline) {
      const code = this.deadlineCode;
      this.destroy(
        upstreamError(
          code,
          code === UPSTREAM_CONNECT_TIMEOUT
            ? "connect timeout"
            : code === UPSTREAM_HEADERS_TIMEOUT
              ? "no response headers in time"
              : "response body stalled",
        ),
      );
    } else if (this.state === IDLE && now - this.idleSince >= this.keepAliveMs) {
      this.destroy(null);
    }
  }

  /** Closes the connection; a request on it gets `err` (or "closed" when none is given). */
  destroy(err: (Error & { code?: string }) | null): void {
    if (this.state === CLOSED) return;
    const wasIdle = this.state === IDLE;
    this.state = CLOSED;
    this.deadline = 0;
    this.detachBody();
    this.socket.destroy();
    try {
      this.parser.unconsume();
    } catch {
      // not consumed (never connected)
    }
    releaseParser(this.parser);
    if (this.opened) this.pool.options.onConnectionClosed();
    this.pool.remove(this, wasIdle);
    const handler = this.handler;
    this.handler = null;
    this.pending = null;
    if (handler !== null) handler.onError(err ?? upstreamError(UPSTREAM_CLOSED, "backend closed the connection"));
  }
}

interface Queued {
  request: UpstreamRequest;
  handler: UpstreamHandler;
}

/**
 * Keep-alive connections to one backend: at most `maxConnections`, idle ones reused most recently
 * used first (warm sockets, and the rest age out), requests queued FIFO when all are busy.
 */
export class NativeUpstream implements Upstream {
  private readonly idle: Connection[] = [];
  private readonly all = new Set<Connection>();
  private readonly queue: Queued[] = [];
  private queueHead = 0;
  private closing = false;
  private closed: (() => void) | null = null;

  constructor(readonly options: UpstreamOptions) {
    live.add(this);
    startSweeper();
  }

  dispatch(request: UpstreamRequest, handler: UpstreamHandler): void {
    if (this.closing && this.all.size === 0) {
      handler.onError(upstreamError(UPSTREAM_CLOSED, "upstream pool closed"));
      return;
    }
    const conn = this.idle.pop();
    if (conn !== undefined) {
      conn.send(request, handler);
      return;
    }
    if (this.all.size < this.options.maxConnections) {
      const fresh = new Connection(this);
      this.all.add(fresh);
      fresh.send(request, handler);
      return;
    }
    this.queue.push({ request, handler });
  }

  /** A connection finished a request: give it the next queued one, or park it. */
  release(conn: Connection): void {
    if (this.queueHead < this.queue.length) {
      const next = this.queue[this.queueHead] as Queued;
      this.queue[this.queueHead++] = undefined as unknown as Queued;
      if (this.queueHead > 1024 && this.queueHead * 2 > this.queue.length) {
        this.queue.splice(0, this.queueHead);
        this.queueHead = 0;
      }
      conn.state = ACTIVE;
      conn.send(next.request, next.handler);
      return;
    }
    if (this.closing) {
      conn.destroy(null);
      return;
    }
    this.idle.push(conn);
  }

  remove(conn: Connection, wasIdle: boolean): void {
    this.all.delete(conn);
    if (wasIdle) {
      const i = this.idle.indexOf(conn);
      if (i !== -1) this.idle.splice(i, 1);
    }
    // A slot freed up: start a connection for the oldest waiting request.
    if (this.queueHead < this.queue.length && this.all.size < this.options.maxConnections) {
      const next = this.queue[this.queueHead] as Queued;
      this.queue[this.queueHead++] = undefined as unknown as Queued;
      const fresh = new Connection(this);
      this.all.add(fresh);
      fresh.send(next.request, next.handler);
    }
    this.maybeClosed();
  }

  sweep(now: number): void {
    for (const conn of this.all) conn.check(now);
  }

  private maybeClosed(): void {
    if (this.closing && this.all.size === 0 && this.queueHead >= this.queue.length) {
      live.delete(this);
      const done = this.closed;
      this.closed = null;
      done?.();
    }
  }

  close(): Promise<void> {
    this.closing = true;
    for (const conn of this.idle.splice(0)) conn.destroy(null);
    return new Promise<void>((resolve) => {
      this.closed = resolve;
      this.maybeClosed();
    });
  }

  async destroy(): Promise<void> {
    this.closing = true;
    const queued = this.queue.splice(this.queueHead);
    this.queueHead = 0;
    this.queue.length = 0;
    for (const conn of [...this.all]) conn.destroy(upstreamError(UPSTREAM_CLOSED, "upstream pool destroyed"));
    for (const q of queued) q.handler.onError(upstreamError(UPSTREAM_CLOSED, "upstream pool destroyed"));
    live.delete(this);
  }
}
