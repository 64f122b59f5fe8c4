import type { Socket } from "node:net";
import type { ListenerLimits } from "@weir/config";
import type { EngineErrorCode } from "../errors";
import type { Now } from "../util/clock";
import { normalizeIp } from "../util/headers";
import {
  HTTPParser,
  kOnBody,
  kOnExecute,
  kOnHeaders,
  kOnHeadersComplete,
  kOnMessageComplete,
  LENIENT_NONE,
  METHOD_NAMES,
  type NativeParser,
  parserResource,
  releaseParser,
} from "../util/llhttp";
import { Exchange, type ListenerState } from "./exchange";
import { writeRawAnswer } from "./raw-answer";
import { handleUpgrade, type UpgradeRequest } from "./websocket";

/** What a client connection reads from its listener. */
export interface ConnectionHost {
  /** The listener's current state; each request takes the one current when its head arrives. */
  readonly state: ListenerState;
  /** The listener is closing: answers say `connection: close` and idle connections go. */
  readonly draining: boolean;
  forget(conn: ClientConnection): void;
}

interface StreamHandle {
  readonly isStreamBase?: boolean;
  reading?: boolean;
  readStart(): number;
  readStop(): number;
}

/** How often a listener checks its connections' timeouts; they are honoured within this. */
export const SWEEP_MS = 100;

/** Waiting for a request head; part of it arrived, or the connection is new: headers timeout. */
const HEAD = 0;
/** Keep-alive between requests, nothing of the next one yet: idle timeout, then a silent close. */
const IDLE = 1;
/** A request in flight: idle timeout (no byte either way), then the connection is cut. */
const BUSY = 2;
/** Final answer written and our side ended: reading and dropping until the client closes. */
const CLOSING = 3;
const CLOSED = 4;

/** Why reading the client's socket is stopped (a bit each; reading resumes when none is left). */
const STOP_BODY = 1;
const STOP_QUEUE = 2;

/**
 * After the proxy's last answer on a connection it keeps reading (and dropping) what the client
 * still sends for this long, so that closing with unread data does not reset the connection and
 * destroy the answer in flight (a "lingering close", as NGINX does).
 */
const LINGER_MS = 5_000;
/** The sweep's verdict on a body that did not arrive in time, handled as a parse error is. */
const BODY_TIMEOUT: Error & { code?: string } = Object.assign(new Error("request body timeout"), {
  code: "WEIR_BODY_TIMEOUT",
});

/**
 * One client connection of an HTTP listener: HTTP/1.1 on Node's own llhttp parser, without
 * `node:http`'s server. The parser consumes the socket's handle (as Node's server does), so
 * request bytes go from libuv to llhttp in C++ with no JS `data` event, and the request line and
 * headers arrive as strings; answers are written by the exchange as one string per write.
 *
 * Why: under load, the proxy's own work per request was smaller than the `http` server's
 * (IncomingMessage and ServerResponse streams, header validation and formatting, per-socket
 * timers refreshed on every read and write, `finish` bookkeeping on the next tick). Here a request
 * costs one Exchange, and the connection's callbacks are bound once per connection.
 *
 * What it keeps from Node's server: llhttp in strict mode (both Content-Length and
 * Transfer-Encoding, conflicting or malformed lengths, bad chunk framing → 400; headers over the
 * limit → 431); a headers timeout (408) and an idle timeout, checked by the listener's sweep
 * instead of a timer per socket; keep-alive with `Connection: close` and HTTP/1.0 rules;
 * pipelining (requests wait their turn, their bodies buffered up to one read; reading stops while
 * one waits); 100-continue; upgrades handed over with the bytes read past the head.
 */
export class ClientConnection {
  readonly clientIp: string;
  private readonly now: Now;
  private mode = HEAD;
  /** When the body of the request being read must have arrived (sweep clock); 0: none pending. */
  private bodyUntil = 0;
  /** Start of the headers timeout (HEAD) or of the linger (CLOSING). */
  private since: number;
  /** Last read or write, for the idle timeout. */
  lastActivity: number;
  /** The exchange whose turn it is: the one being answered. */
  private active: Exchange | null = null;
  /** The exchange whose request body llhttp is parsing (the active one, or one waiting). */
  private parsing: Exchange | null = null;
  /** Pipelined requests waiting for their turn; rarely more than none. */
  private queue: Exchange[] | null = null;
  /** After `Connection: close`, an upgrade or an error: whatever else arrives is dropped. */
  private noMoreRequests = false;
  private headersThisRead = false;
  private extraHeaders: string[] | null = null;
  private extraUrl = "";
  private upgrade: UpgradeRequest | null = null;
  /** An upgrade pipelined behind a request, and the bytes read past its head: handed over after that answer. */
  private pendingUpgrade: { readonly req: UpgradeRequest; readonly head: Buffer } | null = null;
  private stopped = 0;
  private readonly parser: NativeParser;
  private readonly handle: StreamHandle;

  constructor(
    readonly socket: Socket,
    private readonly host: ConnectionHost,
    maxHeaderBytes: number,
    /** Bytes read before this connection took the socket over (a listener parked it until its config committed). */
    early: Buffer | null = null,
  ) {
    // The engine's clock: every deadline of this connection is counted on it.
    this.now = host.state.env.now;
    const now = this.now();
    this.since = now;
    this.lastActivity = now;
    this.clientIp = normalizeIp(socket.remoteAddress);
    const parser = new HTTPParser();
    parser.initialize(HTTPParser.REQUEST, parserResource, maxHeaderBytes, LENIENT_NONE);
    parser[kOnHeaders] = this.onParserHeaders;
    parser[kOnHeadersComplete] = this.onParserHeadersComplete;
    parser[kOnBody] = this.onParserBody;
    parser[kOnMessageComplete] = this.onParserMessageComplete;
    parser[kOnExecute] = this.onParserExecute;
    this.parser = parser;
    this.handle = (socket as Socket & { _handle: StreamHandle })._handle;
    socket.on("end", this.onSocketEnd);
    socket.on("close", this.onSocketClose);
    socket.on("error", this.onSocketError);
    socket.on("drain", this.onSocketDrain);
    // TCP and TLS sockets both have a stream handle (libuv's, or the TLS wrap's) the parser can
    // consume; a socket already gone has none (and may have emitted 'close' already).
    if (this.handle?.isStreamBase === true) {
      parser.consume(this.handle);
      if (early !== null && early.length > 0) this.onParserExecute(parser.execute(early) as number | Error);
      return;
    }
    this.mode = CLOSED;
    releaseParser(parser);
    socket.destroy();
  }

  get open(): boolean {
    return this.mode < CLOSING;
  }

  get draining(): boolean {
    return this.host.draining;
  }

  // Parser callbacks, bound once per connection.

  /** More than 32 header lines, or trailers: llhttp hands them over in parts. */
  private readonly onParserHeaders = (headers: string[], url: string): void => {
    this.extraHeaders = this.extraHeaders === null ? headers : this.extraHeaders.concat(headers);
    this.extraUrl += url;
  };

  private readonly onParserHeadersComplete = (
    major: number,
    minor: number,
    headers: string[] | undefined,
    method: number,
    url: string | undefined,
    _statusCode: unknown,
    _statusMessage: unknown,
    upgrade: boolean,
    keepAlive: boolean,
  ): number => {
    // After parts (onParserHeaders), llhttp passes neither headers nor url here.
    const raw = headers ?? this.extraHeaders ?? [];
    const path = url ?? this.extraUrl;
    this.extraHeaders = null;
    this.extraUrl = "";
    this.headersThisRead = true;
    // 2: no body, stop parsing (what follows belongs to the tunnel); an upgrade after a
    // `Connection: close` is dropped the same way.
    if (this.noMoreRequests) return upgrade ? 2 : 0;
    const name = METHOD_NAMES[method];
    if (upgrade) {
      this.noMoreRequests = true;
      this.upgrade = { method: name ?? "", url: path, rawHeaders: raw, clientIp: this.clientIp };
      return 2;
    }
    if (name === undefined || major !== 1) {
      this.refuse("WEIR_E_BAD_REQUEST");
      return 0;
    }
    const x = new Exchange(this, this.host.state, name, path, raw, minor === 0, keepAlive);
    if (!keepAlive) this.noMoreRequests = true;
    this.parsing = x;
    if (this.active === null) {
      this.armBodyDeadline();
      this.active = x;
      this.mode = BUSY;
      x.start();
    } else {
      // Pipelined: answered in order, after the ones before it. Reading stops until its turn,
      // so a client cannot queue more than one read's worth of requests.
      if (this.queue === null) this.queue = [];
      this.queue.push(x);
      this.stopReading(STOP_QUEUE);
    }
    return 0;
  };

  private readonly onParserBody = (chunk: Buffer): void => {
    this.parsing?.onRequestBody(chunk);
  };

  private readonly onParserMessageComplete = (): void => {
    // Trailers of a chunked body arrive through onParserHeaders; they are not forwarded.
    this.extraHeaders = null;
    this.extraUrl = "";
    this.bodyUntil = 0;
    const x = this.parsing;
    if (x === null) return;
    this.parsing = null;
    x.onRequestComplete();
  };

  /** After each read: what llhttp parsed (a byte count) or the error that stopped it. */
  private readonly onParserExecute = (ret: number | (Error & { code?: string })): void => {
    this.lastActivity = this.now();
    if (typeof ret !== "number") {
      this.onParseError(ret);
      return;
    }
    if (this.upgrade !== null) {
      this.handOver(this.upgrade, ret);
      return;
    }
    if (!this.headersThisRead && this.mode === IDLE) {
      // The first bytes of the next request: its head must now arrive within the headers timeout.
      this.mode = HEAD;
      this.since = this.now();
    }
    this.headersThisRead = false;
  };

  private onParseError(err: Error & { code?: string }): void {
    // Bytes after a `Connection: close` request: dropped, the requests before it are answered.
    if (this.mode >= CLOSING || err.code === "HPE_CLOSED_CONNECTION") return;
    const x = this.active;
    if (x?.answered === true) {
      // The body of a request already answered is malformed: the answer stands, the connection ends.
      this.active = null;
      this.queue = null;
      this.socket.end();
      this.enterClosing();
      return;
    }
    if (x !== null && (x !== this.parsing || x.answering)) {
      // Garbage behind a request in flight, or in a body whose answer has begun: no answer can
      // be put in its place.
      this.socket.destroy();
      return;
    }
    // The request being read is malformed (bad chunk framing in its body, say): it never gets a
    // backend answer; its upstream request, if any, is aborted.
    x?.clientGone();
    this.active = null;
    this.parsing = null;
    this.queue = null;
    writeRawAnswer(
      this.socket,
      err.code === "HPE_HEADER_OVERFLOW"
        ? "WEIR_E_HEADERS_TOO_LARGE"
        : err.code === "HPE_CHUNK_EXTENSIONS_OVERFLOW"
          ? "WEIR_E_BODY_TOO_LARGE"
          : err === BODY_TIMEOUT
            ? "WEIR_E_REQUEST_TIMEOUT"
            : "WEIR_E_BAD_REQUEST",
    );
    this.enterClosing();
  }

  /** A request the proxy cannot take at all (unknown method, not HTTP/1.x): 400 and close. */
  private refuse(code: EngineErrorCode): void {
    this.noMoreRequests = true;
    if (this.active !== null) {
      // Behind a request in flight the answers' order cannot be kept.
      this.socket.destroy();
      return;
    }
    writeRawAnswer(this.socket, code);
    this.enterClosing();
  }

  /** An upgrade request: the socket, and what was read past its head, go to the tunnel. */
  private handOver(req: UpgradeRequest, parsed: number): void {
    this.upgrade = null;
    if (this.active !== null) {
      // Pipelined behind a request: the upgrade waits for the answers before it (in order, as any
      // pipelined request), its bytes copied out of the parser's buffer and reading stopped, so
      // nothing after the handshake is parsed as HTTP.
      this.pendingUpgrade = { req, head: Buffer.from(this.parser.getCurrentBuffer().subarray(parsed)) };
      this.stopReading(STOP_QUEUE);
      return;
    }
    this.startUpgrade(req, this.parser.getCurrentBuffer().subarray(parsed));
  }

  private startUpgrade(req: UpgradeRequest, head: Buffer): void {
    if (req.method !== "GET") {
      // CONNECT (llhttp reports it as an upgrade): this is not a forward proxy.
      writeRawAnswer(this.socket, "WEIR_E_BAD_REQUEST");
      this.enterClosing();
      return;
    }
    this.detach();
    handleUpgrade(this.host.state, req, this.socket, head);
  }

  /** The socket leaves this connection (upgrade): its reads go back to the socket's own stream. */
  private detach(): void {
    this.mode = CLOSED;
    const socket = this.socket;
    socket.off("end", this.onSocketEnd);
    socket.off("close", this.onSocketClose);
    socket.off("error", this.onSocketError);
    socket.off("drain", this.onSocketDrain);
    this.parser.unconsume();
    releaseParser(this.parser);
    if (this.stopped !== 0) {
      this.stopped = 0;
      this.handle.reading = true;
      this.handle.readStart();
    }
    this.host.forget(this);
  }

  // What the exchange in flight reports.

  /**
   * The exchange wrote its whole answer. With `close` the connection ends here (our side at once,
   * the client's read and dropped until it closes); otherwise the next request takes its turn as
   * soon as this one's body has been read too.
   */
  answered(x: Exchange, close: boolean): void {
    if (this.active !== x || this.mode >= CLOSING) return;
    if (close) {
      this.active = null;
      this.queue = null;
      this.socket.end();
      this.enterClosing();
      return;
    }
    if (x.requestComplete) {
      this.next();
      return;
    }
    // The rest of the body is read and dropped (the exchange ignores it from now on).
    this.resumeReading(STOP_BODY);
  }

  /** The request of an exchange already answered has been read to its end. */
  requestRead(x: Exchange): void {
    if (this.active === x && this.mode === BUSY) this.next();
  }

  /**
   * The body of the request being read must arrive within the listener's `bodyTimeoutMs` from
   * now. Cleared by the message's end, which for a request without a body comes in the same read.
   */
  private armBodyDeadline(): void {
    const bodyMs = this.host.state.limits.bodyTimeoutMs;
    this.bodyUntil = bodyMs === 0 ? 0 : this.now() + bodyMs;
  }

  private next(): void {
    this.active = null;
    const queue = this.queue;
    if (queue !== null && queue.length > 0) {
      const x = queue.shift() as Exchange;
      this.active = x;
      // A pipelined request's body could not arrive while reading waited for its turn: its
      // deadline starts now.
      if (this.parsing === x) this.armBodyDeadline();
      if (queue.length === 0) this.resumeReading(STOP_QUEUE);
      // Not from inside the previous answer's upstream callback: its connection is unwinding.
      process.nextTick(startExchange, x);
      return;
    }
    const upgrade = this.pendingUpgrade;
    if (upgrade !== null) {
      this.pendingUpgrade = null;
      // Not from inside a parser or upstream callback: detaching unconsumes the parser. Rare: a closure is fine.
      process.nextTick(() => {
        if (this.mode !== CLOSED && !this.socket.destroyed) this.startUpgrade(upgrade.req, upgrade.head);
      });
      return;
    }
    if (this.noMoreRequests || this.host.draining) {
      this.socket.end();
      this.enterClosing();
      return;
    }
    this.mode = IDLE;
    this.lastActivity = this.now();
  }

  /** The request body stream is full: stop reading until the upstream takes more. */
  pauseBody(): void {
    this.stopReading(STOP_BODY);
  }

  resumeBody(): void {
    this.resumeReading(STOP_BODY);
  }

  private stopReading(reason: number): void {
    if (this.stopped === 0 && this.mode !== CLOSED) {
      this.handle.reading = false;
      this.handle.readStop();
    }
    this.stopped |= reason;
  }

  private resumeReading(reason: number): void {
    if ((this.stopped & reason) === 0) return;
    this.stopped &= ~reason;
    if (this.stopped === 0 && this.mode !== CLOSED && !this.socket.destroyed) {
      this.handle.reading = true;
      this.handle.readStart();
    }
  }

  private enterClosing(): void {
    this.mode = CLOSING;
    this.since = this.now();
    this.noMoreRequests = true;
    this.parsing = null;
    // Keep reading (and dropping): see LINGER_MS.
    if (this.stopped !== 0) {
      this.stopped = 0;
      if (!this.socket.destroyed) {
        this.handle.reading = true;
        this.handle.readStart();
      }
    }
  }

  // Socket events, bound once per connection.

  /**
   * The client's FIN. With a request in flight it means the client has gone (as Node's server and
   * NGINX read it): the connection is destroyed, which aborts the backend request. Otherwise there
   * is nothing left to do either.
   */
  private readonly onSocketEnd = (): void => {
    this.socket.destroy();
  };

  private readonly onSocketClose = (): void => {
    if (this.mode === CLOSED) return;
    this.mode = CLOSED;
    const x = this.active;
    this.active = null;
    this.parsing = null;
    this.queue = null;
    this.pendingUpgrade = null;
    x?.clientGone();
    try {
      this.parser.unconsume();
    } catch {
      // the handle is already gone
    }
    releaseParser(this.parser);
    this.host.forget(this);
  };

  private readonly onSocketError = (): void => {
    this.socket.destroy();
  };

  private readonly onSocketDrain = (): void => {
    this.active?.onClientDrain();
  };

  /** Timeout check, from the listener's sweep: the header deadline, the body deadline, idleness. */
  check(now: number, limits: ListenerLimits): void {
    switch (this.mode) {
      case HEAD:
        // The whole head within its deadline, and no silence longer than the idle timeout in it.
        if (now - this.since >= limits.headerTimeoutMs || now - this.lastActivity >= limits.idleTimeoutMs) {
          writeRawAnswer(this.socket, "WEIR_E_REQUEST_TIMEOUT");
          this.enterClosing();
        }
        return;
      case BUSY:
        if (this.bodyUntil !== 0 && this.parsing !== null && now >= this.bodyUntil) {
          // Answered as a malformed body is: 408 while no answer has begun, else the connection goes.
          this.onParseError(BODY_TIMEOUT);
          return;
        }
        if (now - this.lastActivity >= limits.idleTimeoutMs) this.socket.destroy();
        return;
      case IDLE:
        if (now - this.lastActivity >= limits.idleTimeoutMs) this.socket.destroy();
        return;
      case CLOSING:
        if (now - this.since >= LINGER_MS) this.socket.destroy();
        return;
    }
  }

  /** Listener closing: a connection with no request in flight goes now (Node's closeIdleConnections). */
  closeIfIdle(): void {
    if (this.active === null && this.mode < CLOSING) this.socket.destroy();
  }
}

function startExchange(x: Exchange): void {
  x.start();
}
