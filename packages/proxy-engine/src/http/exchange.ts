import { Readable } from "node:stream";
import type { ListenerLimits } from "@weir/config";
import type { BackendRuntime } from "../backend";
import { PEAK_EWMA_DECAY_MS } from "../balancers/peak-ewma";
import type { EngineEnv } from "../env";
import { type EngineErrorCode, errorAnswers } from "../errors";
import type { PoolRuntime, RequestKeys } from "../pool";
import { type CompiledRoute, normalizeHost, type Router } from "../routing/router";
import {
  UPSTREAM_BODY_TIMEOUT,
  UPSTREAM_CONNECT_TIMEOUT,
  UPSTREAM_HEADERS_TIMEOUT,
  type Upstream,
  type UpstreamHandler,
  type UpstreamRequest,
} from "../upstream/types";
import {
  classifyHeader,
  connectionTokens,
  eqLower,
  findCookie,
  findRawHeader,
  H_CONNECTION,
  H_CONTENT_LENGTH,
  H_COOKIE,
  H_DATE,
  H_EXPECT,
  H_HOP,
  H_HOST,
  H_OTHER,
  H_REQUEST_ID,
  H_TRANSFER_ENCODING,
  H_UPGRADE,
  H_XFF,
} from "../util/headers";
import { acceptableRequestId, nextRequestId } from "../util/request-id";
import { BodyTooLargeError } from "./body-limit";
import type { ClientConnection } from "./connection";
import { splitAbsoluteTarget, validHost } from "./request-target";
import { CONNECTION_CLOSE, CONTINUE, dateHeader, statusLine } from "./response-head";

/** What one listener's requests run against; swapped as one reference by a config apply. */
export interface ListenerState {
  readonly name: string;
  readonly router: Router;
  readonly limits: ListenerLimits;
  readonly proto: "http" | "https";
  readonly env: EngineEnv;
  /** `connection: keep-alive` and `keep-alive: timeout=…` header lines, built once per config. */
  readonly keepAlive: string;
}

/** Bodies up to this size are relayed with the response head in one write. */
const SMALL_BODY = 8192;
/**
 * An answer that goes out before its request body was read keeps the connection only when at most
 * this much body is left to read and drop; a longer or chunked body closes it instead.
 */
const DISCARD_MAX = 65_536;
const NO_BACKENDS: readonly BackendRuntime[] = Object.freeze([]);
const CONTINUE_EXPECTATION = /(?:^|\W)100-continue(?:$|\W)/i;

const IDEMPOTENT: Readonly<Record<string, true>> = {
  GET: true,
  HEAD: true,
  OPTIONS: true,
  TRACE: true,
  PUT: true,
  DELETE: true,
};

/** Outcome of a failed attempt, as far as retries and outlier detection are concerned. */
const FAIL_CONNECT = 1;
const FAIL_RESET = 2;
const FAIL_TIMEOUT = 3;
const FAIL_CLIENT = 4;
const FAIL_BODY = 5;

/**
 * A request body as a stream for the upstream: the client connection pushes what llhttp parsed,
 * and stops reading the client's socket while the stream is full (the upstream pauses it while
 * the backend's socket is full), so an upload is never buffered whole. Only requests with a body
 * get one.
 */
class RequestBody extends Readable {
  constructor(private readonly conn: ClientConnection) {
    super();
    // The limit can trip before a backend connection exists: the error stays on the stream
    // (`errored`) for the upstream to find, instead of an unhandled 'error'.
    this.on("error", noop);
  }

  override _read(): void {
    this.conn.resumeBody();
  }
}

/**
 * One proxied request, from the client's request to the last byte of the answer, across retries.
 *
 * Cost: a request without a body allocates the exchange, its forwarded-header array and the head
 * strings (besides the header array llhttp hands over). The exchange is the upstream request
 * (`path`, `method`, `headers`, `body`, timeouts), its handler (`onConnect` … `onError`), the
 * balancers' pick context, and the response writer: the answer is one string (status line,
 * headers, and a small body) put on the client's socket in one write. No per-request closures or
 * listeners: the connection forwards its socket's events to the exchange in flight.
 */
export class Exchange implements RequestKeys, UpstreamRequest, UpstreamHandler {
  // Pick context.
  now: number;
  hash = 0;
  panic = false;
  tried: readonly BackendRuntime[] = NO_BACKENDS;
  readonly clientIp: string;

  // The upstream request: the upstream reads these fields from this object.
  /** Origin-form (or `*` for `OPTIONS *`): an absolute-form target is rewritten. */
  path: string;
  readonly method: string;
  headers: string[] = [];
  body: Readable | null = null;
  bodyLength = 0;
  needsHost = true;
  headersTimeout = 0;
  bodyTimeout = 0;

  // The client's request.
  private host: string | undefined;
  private xff: string | undefined;
  private connection: string | undefined;
  private contentLength = -1;
  /** The client's Content-Length value (digits: llhttp checked it); forwarded as the engine's own. */
  private contentLengthValue = "";
  private chunkedRequest = false;
  /** Why the request is refused before routing (RFC 9112 MUSTs); checked in `start`. */
  private refusal: EngineErrorCode | undefined;
  private expectContinue = false;
  private continueSent = false;
  private bodyReceived = 0;
  /** llhttp parsed the whole request, body included. */
  requestComplete = false;

  // The answer.
  private status = 0;
  /** The backend's head was accepted: from here on a failure can only cut the connection. */
  private relaying = false;
  /** Response head held back to go out in one write with a small body (or at completion). */
  private head: string | null = null;
  private chunkedOut = false;
  private hasDate = false;
  private closeAfter = false;
  private waitingDrain = false;
  /** Response body bytes still expected by Content-Length; negative when unknown. */
  private responseRemaining = -1;
  /** The whole body is written; the upstream completes on its own. */
  private ended = false;
  /** The complete answer is written to the client. */
  answered = false;

  private route: CompiledRoute | undefined;
  private pool: PoolRuntime | undefined;
  private backend: BackendRuntime | undefined;
  private readonly started: number;
  private attemptStarted = 0;
  private requestId = "";
  private cookieHeader: string | undefined;
  private retryable = false;
  private attempts = 0;
  private abortUpstream: ((err?: Error) => void) | null = null;
  private connected = false;
  private discarding = false;
  private finished = false;
  private resumeUpstream: (() => void) | null = null;
  private setStickyFor: BackendRuntime | undefined;
  private lastFailure: EngineErrorCode = "WEIR_E_UPSTREAM_CONNECT";
  /** Tokens of the backend's Connection header: headers it makes hop-by-hop. */
  private named: readonly string[] | null = null;

  /**
   * Reads the request head in one pass (classifying each name through a lookup table): end-to-end
   * headers are copied for the backend, hop-by-hop ones dropped, the ones the proxy rewrites or
   * reads noted. The body stream exists from here, so a pipelined request's body can arrive
   * before its turn. Routing and everything after it wait for `start`.
   */
  constructor(
    private readonly conn: ClientConnection,
    private readonly state: ListenerState,
    method: string,
    path: string,
    private readonly rawHeaders: readonly string[],
    private readonly http10: boolean,
    /** llhttp's verdict: HTTP/1.1 without `Connection: close`, or 1.0 with `keep-alive`. */
    private readonly keepAlive: boolean,
  ) {
    this.now = state.env.now();
    this.started = performance.now();
    this.clientIp = conn.clientIp;
    this.path = path;
    this.method = method;
    const raw = rawHeaders;
    const out = this.headers;
    /** The last Transfer-Encoding line, when the codings are not exactly one `chunked`. */
    let transferCodings: string | undefined;
    for (let i = 0; i < raw.length; i += 2) {
      const name = raw[i] as string;
      const value = raw[i + 1] as string;
      switch (classifyHeader(name)) {
        case H_OTHER:
        case H_DATE:
          out.push(name, value);
          break;
        case H_HOST:
          // RFC 9112 §3.2: more than one Host, or an invalid one, is a 400.
          if (this.host !== undefined || !validHost(value)) this.refusal = "WEIR_E_BAD_REQUEST";
          this.host = value;
          break;
        case H_XFF:
          this.xff = this.xff === undefined ? value : `${this.xff}, ${value}`;
          break;
        case H_REQUEST_ID:
          if (this.requestId === "" && acceptableRequestId(value)) this.requestId = value;
          break;
        case H_CONTENT_LENGTH:
          // Not copied: the engine writes the framing it forwards itself, after the hop-by-hop
          // and route removals (which must never strip it: see `start`).
          this.contentLength = Number(value);
          this.contentLengthValue = value;
          break;
        case H_TRANSFER_ENCODING:
          // Anything but one `chunked` is checked after the loop (slow path).
          if (this.chunkedRequest || !eqLower(value, "chunked")) transferCodings = value;
          this.chunkedRequest = true;
          break;
        case H_COOKIE:
          this.cookieHeader = this.cookieHeader === undefined ? value : `${this.cookieHeader}; ${value}`;
          out.push(name, value);
          break;
        case H_CONNECTION:
          this.connection = value;
          break;
        case H_EXPECT:
          // Other expectations are ignored (RFC 9110 §10.1.1 allows it) and not forwarded.
          if (CONTINUE_EXPECTATION.test(value)) this.expectContinue = true;
          break;
        default:
          // H_HOP, H_UPGRADE, X-Forwarded-Proto/Host (the proxy sets its own).
          break;
      }
    }
    // Codings besides chunked would be lost when the body is re-chunked, never silently: with
    // chunked last, the body can be read but not decoded (RFC 9112 §6.1: 501 for a coding the
    // server does not implement); without, its length is unknown (§6.3: 400, then close). llhttp
    // refuses some of the latter itself, some only when the body starts.
    if (transferCodings !== undefined)
      this.refusal ??= endsWithChunked(transferCodings) ? "WEIR_E_NOT_IMPLEMENTED" : "WEIR_E_BAD_REQUEST";
    // RFC 9112 §6.1: Transfer-Encoding in an HTTP/1.0 request means faulty framing: 400, close.
    if (this.chunkedRequest && http10) this.refusal = "WEIR_E_BAD_REQUEST";
    if (path.charCodeAt(0) !== 47 /* / */) this.readTarget(path);
    if (this.chunkedRequest || this.contentLength > 0) this.body = new RequestBody(conn);
  }

  /**
   * Slow path, a target not in origin-form. `OPTIONS *` is forwarded as it is; an absolute-form
   * target routes by its own authority, which replaces Host (RFC 9112 §3.2.2), and is forwarded
   * in origin-form; anything else (`GET *`, a relative path) is a 400.
   */
  private readTarget(url: string): void {
    if (url === "*") {
      if (this.method !== "OPTIONS") this.refusal = "WEIR_E_BAD_REQUEST";
      return;
    }
    const target = splitAbsoluteTarget(url);
    if (target === undefined) {
      this.refusal = "WEIR_E_BAD_REQUEST";
      return;
    }
    this.path = target.path;
    // A 1.1 request must still carry a Host (RFC 9112 §3.2), whose value is then ignored.
    if (this.host !== undefined || this.http10) this.host = target.authority;
  }

  /** The answer has begun (a backend's head accepted) or is complete: nothing else can replace it. */
  get answering(): boolean {
    return this.relaying || this.answered;
  }

  // RequestKeys: lookups for split, stickiness and hashing; only pools that need them call these.
  header(lower: string): string | undefined {
    return findRawHeader(this.rawHeaders, lower);
  }

  cookie(name: string): string | undefined {
    return findCookie(this.cookieHeader, name);
  }

  /** Routes and dispatches the request; called once it is the connection's turn. */
  start(): void {
    // A pipelined request whose connection closed before its turn.
    if (this.finished) return;
    const host = this.host;
    if (this.requestId === "") this.requestId = nextRequestId();
    if (this.refusal !== undefined) {
      this.answer(this.refusal);
      return;
    }
    if (host === undefined && !this.http10) {
      // RFC 9112 §3.2: an HTTP/1.1 request without Host gets 400.
      this.answer("WEIR_E_BAD_REQUEST");
      return;
    }
    const route = this.state.router.match(normalizeHost(host), this.path, this.rawHeaders);
    if (route === undefined) {
      this.answer("WEIR_E_NO_ROUTE");
      return;
    }
    this.route = route;
    route.stats.active++;

    if (route.limiter !== undefined) {
      const key = route.limitHeader === undefined ? this.clientIp : (this.header(route.limitHeader) ?? "");
      const retryAfter = route.limiter.take(key, this.now);
      if (retryAfter > 0) {
        this.answer("WEIR_E_RATE_LIMITED", retryAfter);
        return;
      }
    }

    if (this.contentLength > this.state.limits.maxBodyBytes) {
      this.answer("WEIR_E_BODY_TOO_LARGE");
      return;
    }
    if (this.body !== null) this.bodyLength = this.chunkedRequest ? -1 : this.contentLength;

    const out = this.headers;
    if (this.connection !== undefined) this.dropConnectionNamed(this.connection);
    if (route.requestRemove !== undefined) this.dropNamed(route.requestRemove);
    // Host and the body's framing are added after the removals, so neither a Connection header
    // naming them nor a route's `remove` can take them away: a body forwarded without its length
    // would be read by the backend as the next request on a pooled connection (smuggling). The
    // upstream frames a chunked body itself (bodyLength -1).
    if (this.body !== null ? !this.chunkedRequest : this.contentLength >= 0)
      out.push("content-length", this.contentLengthValue);
    const forwardedHost = route.requestHost ?? host;
    if (forwardedHost !== undefined) {
      out.push("host", forwardedHost);
      this.needsHost = false;
    }
    if (host !== undefined) out.push("x-forwarded-host", host);
    const xff = this.xff;
    out.push(
      "x-forwarded-for",
      xff === undefined ? this.clientIp : `${xff}, ${this.clientIp}`,
      "x-forwarded-proto",
      this.state.proto,
      "x-request-id",
      this.requestId,
    );
    for (let i = 0; i < route.requestAdd.length; i++) out.push(route.requestAdd[i] as string);

    const pool = route.pool;
    this.pool = pool;
    pool.shared.stats.active++;
    this.retryable = this.body === null && IDEMPOTENT[this.method] === true;
    this.panic = pool.shared.panic;
    this.hash = pool.hashOf(this);
    this.headersTimeout = pool.config.timeouts.firstByteMs;
    this.bodyTimeout = pool.config.timeouts.idleMs;
    if (this.expectContinue && this.body !== null && !this.http10 && !this.requestComplete) {
      // The request passed every check that could refuse it: ask for the body (RFC 9110 §10.1.1).
      this.conn.socket.write(CONTINUE, "latin1");
      this.continueSent = true;
    }
    this.attempt();
  }

  /** Slow path: the client's Connection header names more hop-by-hop headers. */
  private dropConnectionNamed(value: string): void {
    const named = connectionTokens(value);
    if (named.length > 0) this.dropNamed(new Set(named));
  }

  private dropNamed(names: ReadonlySet<string>): void {
    const out = this.headers;
    let w = 0;
    for (let r = 0; r < out.length; r += 2) {
      if (names.has((out[r] as string).toLowerCase())) continue;
      out[w++] = out[r] as string;
      out[w++] = out[r + 1] as string;
    }
    out.length = w;
  }

  private attempt(): void {
    const pool = this.pool as PoolRuntime;
    const b = pool.select(this);
    if (b === undefined) {
      if (this.tried.length > 0) {
        this.answer(this.lastFailure);
        return;
      }
      this.answer(pool.anyUpButFull(this.now) ? "WEIR_E_CIRCUIT_OPEN" : "WEIR_E_NO_HEALTHY_BACKEND");
      return;
    }
    // A cookie that routed here under the signing key needs no new one; any other (none, forged,
    // an older key's, another backend's) gets the current value.
    if (pool.stickyCookie !== undefined && this.cookie(pool.stickyCookie) !== pool.stickyValue(b))
      this.setStickyFor = b;
    this.backend = b;
    b.inFlight++;
    b.stats.active++;
    this.attempts++;
    this.connected = false;
    this.abortUpstream = null;
    this.attemptStarted = performance.now();
    (b.dispatcher as Upstream).dispatch(this, this);
  }

  // The request body, from the client connection's parser.

  onRequestBody(chunk: Buffer): void {
    this.bodyReceived += chunk.length;
    const body = this.body;
    // Answered already (404, 413, an early answer from the backend): the rest is read and dropped.
    if (body === null || this.finished || body.destroyed) return;
    if (this.chunkedRequest && this.bodyReceived > this.state.limits.maxBodyBytes) {
      body.destroy(new BodyTooLargeError(this.state.limits.maxBodyBytes));
      return;
    }
    if (!body.push(chunk)) this.conn.pauseBody();
  }

  onRequestComplete(): void {
    this.requestComplete = true;
    const body = this.body;
    if (body !== null && !body.destroyed) body.push(null);
    if (this.answered) this.conn.requestRead(this);
  }

  // Upstream handler.

  onConnect(abort: (err?: Error) => void): void {
    this.abortUpstream = abort;
    this.connected = true;
    if (this.finished) abort();
  }

  onHeaders(statusCode: number, rawHeaders: string[], resume: () => void): boolean {
    const b = this.backend as BackendRuntime;
    const pool = this.pool as PoolRuntime;
    const now = this.state.env.now();
    b.observeLatency(performance.now() - this.attemptStarted, now, PEAK_EWMA_DECAY_MS);
    if (statusCode >= 500) pool.on5xx(b, now);
    else pool.onSuccess(b);
    if (statusCode >= 502 && statusCode <= 504 && this.mayRetry(String(statusCode))) {
      // Read the error body to the end (keeps the connection) and retry elsewhere in onComplete.
      this.discarding = true;
      this.lastFailure = statusCode === 504 ? "WEIR_E_UPSTREAM_TIMEOUT" : "WEIR_E_UPSTREAM_RESET";
      return true;
    }
    if (this.finished) return false;
    this.resumeUpstream = resume;
    this.status = statusCode;
    this.relaying = true;
    const route = this.route as CompiledRoute;
    // Header values need no validation here: the backend's passed llhttp's strict parser (no
    // control characters), and the route's were validated with the config.
    let head = this.relayedHeaders(rawHeaders, route.responseRemove, true);
    if (this.named !== null) {
      // Slow path: the backend's Connection header names more hop-by-hop headers.
      const dropped = new Set(this.named);
      for (const name of route.responseRemove ?? []) dropped.add(name);
      head = this.relayedHeaders(rawHeaders, dropped, false);
    }
    const add = route.responseAdd;
    for (let i = 0; i < add.length; i += 2) head += `${add[i]}: ${add[i + 1]}\r\n`;
    head += `x-request-id: ${this.requestId}\r\n`;
    const sticky = this.setStickyFor;
    if (sticky !== undefined && sticky === b)
      head += `set-cookie: ${pool.stickyCookie}=${pool.stickyValue(b)}${this.state.proto === "https" ? pool.stickyAttributesSecure : pool.stickyAttributes}\r\n`;
    if (!this.hasDate) head += dateHeader(this.state.env.now());

    // Framing towards the client: the backend's length when it sent one; else chunked for
    // HTTP/1.1 and close-delimited for 1.0. HEAD, 204 and 304 answers have no body.
    const noBody = this.method === "HEAD" || statusCode === 204 || statusCode === 304;
    let close = this.mustClose();
    if (!noBody && this.responseRemaining < 0) {
      if (this.http10) close = true;
      else {
        head += "transfer-encoding: chunked\r\n";
        this.chunkedOut = true;
      }
    }
    this.closeAfter = close;
    head += close ? `${CONNECTION_CLOSE}\r\n` : `${this.state.keepAlive}\r\n`;
    if (noBody || (this.responseRemaining >= 0 && this.responseRemaining <= SMALL_BODY)) {
      // A small body usually arrives in the same read: head and body then go out in one write.
      this.head = head;
      return true;
    }
    this.conn.lastActivity = this.state.env.now();
    if (this.conn.socket.write(head, "latin1")) return true;
    this.waitingDrain = true;
    return false;
  }

  /**
   * Status line and the backend's end-to-end headers, minus `dropped` (lowercase names; the
   * `toLowerCase()` per header is paid only when the route removes response headers). Notes the
   * Content-Length, whether there is a Date, and, when `collect`, the tokens of a Connection header
   * (`named`: the caller then runs it again with those dropped too).
   */
  private relayedHeaders(raw: readonly string[], dropped: ReadonlySet<string> | undefined, collect: boolean): string {
    let head = statusLine(this.status);
    this.hasDate = false;
    this.responseRemaining = -1;
    for (let i = 0; i < raw.length; i += 2) {
      const name = raw[i] as string;
      const kind = classifyHeader(name);
      if (kind === H_HOP || kind === H_TRANSFER_ENCODING || kind === H_UPGRADE || kind === H_EXPECT) continue;
      const value = raw[i + 1] as string;
      if (kind === H_CONNECTION) {
        if (collect) {
          const tokens = connectionTokens(value);
          if (tokens.length > 0) this.named = this.named === null ? tokens : this.named.concat(tokens);
        }
        continue;
      }
      // The length survives a Connection header naming it (and route rules, which cannot name
      // it): the client frames the answer by the same length llhttp framed it by.
      if (kind === H_CONTENT_LENGTH) this.responseRemaining = Number(value);
      else if (dropped?.has(name.toLowerCase())) continue;
      else if (kind === H_DATE) this.hasDate = true;
      head += `${name}: ${value}\r\n`;
    }
    return head;
  }

  onData(chunk: Buffer): boolean {
    if (this.discarding || this.finished) return true;
    if (this.responseRemaining > 0) this.responseRemaining -= chunk.length;
    const conn = this.conn;
    const socket = conn.socket;
    conn.lastActivity = this.state.env.now();
    let ok: boolean;
    const head = this.head;
    if (head !== null) {
      // The whole (small) body or its first part: one latin1 string, one write, one send.
      this.head = null;
      ok = socket.write(head + chunk.toString("latin1"), "latin1");
    } else if (this.chunkedOut) {
      socket.cork();
      socket.write(`${chunk.length.toString(16)}\r\n`, "latin1");
      socket.write(chunk);
      ok = socket.write("\r\n", "latin1");
      socket.uncork();
    } else {
      ok = socket.write(chunk);
    }
    if (this.responseRemaining === 0) this.ended = true;
    if (ok) return true;
    // Backpressure: the upstream stops reading the backend until the client drains.
    this.waitingDrain = true;
    return false;
  }

  /** The client's socket drained (the connection forwards its one 'drain' listener here). */
  onClientDrain(): void {
    if (!this.waitingDrain) return;
    this.waitingDrain = false;
    this.resumeUpstream?.();
  }

  onComplete(): void {
    const b = this.backend as BackendRuntime;
    if (this.discarding) {
      this.discarding = false;
      this.releaseBackend(b, 503);
      this.retry(b);
      return;
    }
    const status = this.status;
    this.releaseBackend(b, status);
    if (this.finished) return;
    const socket = this.conn.socket;
    const head = this.head;
    if (head !== null) {
      this.head = null;
      socket.write(head, "latin1");
    } else if (this.chunkedOut) {
      socket.write("0\r\n\r\n", "latin1");
    }
    this.finish(status);
    this.answered = true;
    this.conn.answered(this, this.closeAfter);
  }

  onError(err: Error & { code?: string }): void {
    const b = this.backend as BackendRuntime;
    const pool = this.pool as PoolRuntime;
    const kind = this.classify(err);
    this.releaseBackend(b, 0);
    this.discarding = false;
    if (kind === FAIL_CONNECT) pool.onConnectFailure(b, this.state.env.now(), err.code ?? err.message);
    if (this.finished || kind === FAIL_CLIENT) {
      this.finish(0);
      return;
    }
    if (this.relaying) {
      // Mid-answer failure: the only honest signal left is cutting the client's connection.
      this.conn.socket.destroy();
      this.finish(0);
      return;
    }
    if (kind === FAIL_BODY) {
      this.answer("WEIR_E_BODY_TOO_LARGE");
      return;
    }
    if (kind === FAIL_CONNECT && this.mayRetry("connect_failure")) {
      this.retry(b);
      return;
    }
    if (kind === FAIL_RESET && this.mayRetry("reset")) {
      this.retry(b);
      return;
    }
    if (kind === FAIL_TIMEOUT && this.mayRetry("504")) {
      this.retry(b);
      return;
    }
    this.answer(this.lastFailure);
  }

  private classify(err: Error & { code?: string }): number {
    switch (err.code) {
      case "WEIR_E_BODY_TOO_LARGE":
        return FAIL_BODY;
      case "WEIR_E_CLIENT_GONE":
        return FAIL_CLIENT;
      case UPSTREAM_CONNECT_TIMEOUT:
      case "UND_ERR_CONNECT_TIMEOUT":
        this.lastFailure = "WEIR_E_CONNECT_TIMEOUT";
        return FAIL_CONNECT;
      case UPSTREAM_HEADERS_TIMEOUT:
      case UPSTREAM_BODY_TIMEOUT:
      case "UND_ERR_HEADERS_TIMEOUT":
      case "UND_ERR_BODY_TIMEOUT":
        this.lastFailure = "WEIR_E_UPSTREAM_TIMEOUT";
        return FAIL_TIMEOUT;
      default:
        // Before the request was written, any failure is a connect failure (refused,
        // unreachable, TLS); after, the backend dropped or garbled an answer.
        this.lastFailure = this.connected ? "WEIR_E_UPSTREAM_RESET" : "WEIR_E_UPSTREAM_CONNECT";
        return this.connected ? FAIL_RESET : FAIL_CONNECT;
    }
  }

  private mayRetry(reason: string): boolean {
    const pool = this.pool as PoolRuntime;
    const retry = pool.config.retry;
    return (
      this.retryable &&
      !this.finished &&
      this.attempts <= retry.attempts &&
      retry.retryOn.includes(reason as never) &&
      pool.canRetry()
    );
  }

  private retry(failed: BackendRuntime): void {
    const pool = this.pool as PoolRuntime;
    this.tried = this.tried === NO_BACKENDS ? [failed] : [...this.tried, failed];
    pool.shared.retriesActive++;
    pool.shared.stats.retries++;
    (this.route as CompiledRoute).stats.retries++;
    failed.stats.retries++;
    this.now = this.state.env.now();
    this.panic = pool.shared.panic;
    // Not from inside the upstream's callback: the failed request's connection is still unwinding.
    process.nextTick(retryNext, this);
  }

  /** Called on the next tick after a failed attempt. */
  retryNow(): void {
    (this.pool as PoolRuntime).shared.retriesActive--;
    if (this.finished) return;
    this.attempt();
  }

  private releaseBackend(b: BackendRuntime, status: number): void {
    b.inFlight--;
    b.stats.active--;
    b.stats.record(status, (performance.now() - this.attemptStarted) * 1000);
    this.backend = undefined;
  }

  /** The client went away (or sent garbage) before the answer was complete. */
  clientGone(): void {
    if (this.finished || this.ended) return;
    const body = this.body;
    if (body !== null && !this.requestComplete && !body.destroyed) body.destroy(clientGoneError);
    const abort = this.abortUpstream;
    if (abort !== null && this.backend !== undefined) {
      abort(clientGoneError);
      return;
    }
    this.finish(0);
  }

  /**
   * Whether the connection must close after this answer: the client asked, the listener is
   * draining, or the request body is not read yet and too long (or of unknown length) to read and
   * drop, or the client still waits for a 100 Continue it will not get.
   */
  private mustClose(): boolean {
    if (!this.keepAlive || this.conn.draining) return true;
    if (this.requestComplete) return false;
    if (this.expectContinue && !this.continueSent) return true;
    return this.chunkedRequest || this.contentLength - this.bodyReceived > DISCARD_MAX;
  }

  private answer(code: EngineErrorCode, retryAfter?: number): void {
    const a = errorAnswers[code];
    const conn = this.conn;
    if (!this.relaying && !this.finished && conn.open) {
      let head = `${statusLine(a.status)}content-type: text/plain; charset=utf-8\r\ncontent-length: ${a.contentLength}\r\nx-weir-error: ${code}\r\nx-request-id: ${this.requestId}\r\n`;
      if (retryAfter !== undefined) head += `retry-after: ${retryAfter}\r\n`;
      head += dateHeader(this.state.env.now());
      // 413: the unread body is over the limit by definition, not worth reading to drop it. A
      // refused request (400, 501) closes: its framing or target cannot be trusted.
      const close = a.status === 413 || a.status === 400 || a.status === 501 || this.mustClose();
      head += close ? CONNECTION_CLOSE : this.state.keepAlive;
      conn.lastActivity = this.state.env.now();
      conn.socket.write(this.method === "HEAD" ? `${head}\r\n` : `${head}\r\n${a.text}`, "latin1");
      this.finish(a.status);
      this.answered = true;
      conn.answered(this, close);
      return;
    }
    this.finish(a.status);
  }

  private finish(status: number): void {
    if (this.finished) return;
    this.finished = true;
    const micros = (performance.now() - this.started) * 1000;
    const route = this.route;
    if (route !== undefined) {
      route.stats.active--;
      route.stats.record(status, micros);
    }
    const pool = this.pool;
    if (pool !== undefined) {
      pool.shared.stats.active--;
      pool.shared.stats.record(status, micros);
    }
  }
}

/** Whether a Transfer-Encoding value's last coding is `chunked` (`gzip, chunked`). */
function endsWithChunked(value: string): boolean {
  let end = value.length;
  while (end > 0 && (value.charCodeAt(end - 1) === 32 || value.charCodeAt(end - 1) === 9)) end--;
  const start = end - 7;
  if (start < 0 || !eqLower(value.slice(start, end), "chunked")) return false;
  const before = start === 0 ? 44 : value.charCodeAt(start - 1);
  return before === 44 /* , */ || before === 32 || before === 9;
}

const clientGoneError = Object.assign(new Error("client closed the connection"), { code: "WEIR_E_CLIENT_GONE" });

function noop(): void {}

function retryNext(x: Exchange): void {
  x.retryNow();
}
