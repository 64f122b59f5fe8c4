import type { IncomingMessage, ServerResponse } from "node:http";
import type { Socket } from "node:net";
import type { Readable } from "node:stream";
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
  findCookie,
  findRawHeader,
  H_CONNECTION,
  H_CONTENT_LENGTH,
  H_COOKIE,
  H_HOP,
  H_HOST,
  H_OTHER,
  H_REQUEST_ID,
  H_TRANSFER_ENCODING,
  H_UPGRADE,
  H_XFF,
  normalizeIp,
} from "../util/headers";
import { acceptableRequestId, nextRequestId } from "../util/request-id";
import { BodyLimit } from "./body-limit";

/** What one listener's requests run against; swapped as one reference by a config apply. */
export interface ListenerState {
  readonly name: string;
  readonly router: Router;
  readonly limits: ListenerLimits;
  readonly proto: "http" | "https";
  readonly env: EngineEnv;
}

/** Bodies up to this size are relayed with the response head in one write. */
const SMALL_BODY = 8192;
const NO_BACKENDS: readonly BackendRuntime[] = Object.freeze([]);
const kExchange = Symbol("weir.exchange");
const kLimiter = Symbol("weir.bodyLimit");
const kWatched = Symbol("weir.closeWatched");
type Res = ServerResponse & { [kExchange]?: Exchange };

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
 * One proxied request, from the client's request to the last byte of the answer, across retries.
 *
 * Cost: the exchange is the only object the proxy allocates per request besides the upstream header
 * array (Node's request/response and undici's request are unavoidable). It serves as undici's
 * dispatch options (`path`, `method`, `headers`, `body`, timeouts), as its handler (`onConnect` …
 * `onError`) and as the balancers' pick context, so no per-request closures or option objects
 * exist. Response listeners are shared functions that find the exchange through a symbol.
 */
export class Exchange implements RequestKeys, UpstreamRequest, UpstreamHandler {
  // Pick context.
  now: number;
  hash = 0;
  panic = false;
  tried: readonly BackendRuntime[] = NO_BACKENDS;
  readonly clientIp: string;

  // The upstream request: the upstream reads these fields from this object.
  path: string;
  method: string;
  headers: string[] = [];
  body: Readable | null = null;
  bodyLength = 0;
  needsHost = true;
  headersTimeout = 0;
  bodyTimeout = 0;

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
  private drainListening = false;
  private setStickyFor: BackendRuntime | undefined;
  private lastFailure: EngineErrorCode = "WEIR_E_UPSTREAM_CONNECT";
  /** Response body bytes still expected by Content-Length; negative when unknown. */
  private responseRemaining = -1;
  private ended = false;

  constructor(
    private readonly state: ListenerState,
    private readonly req: IncomingMessage,
    private readonly res: Res,
  ) {
    this.now = state.env.now();
    this.started = performance.now();
    this.clientIp = normalizeIp(req.socket.remoteAddress);
    this.path = req.url ?? "/";
    this.method = req.method ?? "GET";
  }

  // RequestKeys: lookups for split, stickiness and hashing; only pools that need them call these.
  header(lower: string): string | undefined {
    return findRawHeader(this.req.rawHeaders, lower);
  }

  cookie(name: string): string | undefined {
    return findCookie(this.cookieHeader, name);
  }

  start(): void {
    const raw = this.req.rawHeaders;
    const out = this.headers;
    let host: string | undefined;
    let xff: string | undefined;
    let contentLength = -1;
    let chunked = false;
    let connection: string | undefined;
    // One pass: forward end-to-end headers, pick out the ones the proxy rewrites or reads.
    for (let i = 0; i < raw.length; i += 2) {
      const name = raw[i] as string;
      const value = raw[i + 1] as string;
      switch (classifyHeader(name)) {
        case H_OTHER:
          out.push(name, value);
          break;
        case H_HOST:
          host = value;
          break;
        case H_XFF:
          xff = xff === undefined ? value : `${xff}, ${value}`;
          break;
        case H_REQUEST_ID:
          if (this.requestId === "" && acceptableRequestId(value)) this.requestId = value;
          break;
        case H_CONTENT_LENGTH:
          contentLength = Number(value);
          out.push(name, value);
          break;
        case H_TRANSFER_ENCODING:
          chunked = true;
          break;
        case H_COOKIE:
          this.cookieHeader = this.cookieHeader === undefined ? value : `${this.cookieHeader}; ${value}`;
          out.push(name, value);
          break;
        case H_CONNECTION:
          connection = value;
          break;
        default:
          // H_HOP, H_UPGRADE, X-Forwarded-Proto/Host (the proxy sets its own).
          break;
      }
    }

    const route = this.state.router.match(normalizeHost(host), this.path, raw);
    if (this.requestId === "") this.requestId = nextRequestId();
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

    const limit = this.state.limits.maxBodyBytes;
    if (contentLength > limit) {
      this.answer("WEIR_E_BODY_TOO_LARGE");
      return;
    }
    if (chunked) {
      this.bodyLength = -1;
      const limiter = new BodyLimit(limit);
      (this.req as IncomingMessage & { [kLimiter]?: BodyLimit })[kLimiter] = limiter;
      this.req.on("error", onRequestBodyError);
      // The limit can trip before a backend connection exists: keep the error on the stream
      // (`errored`) for the upstream to find, instead of an unhandled 'error'.
      limiter.on("error", noop);
      this.body = this.req.pipe(limiter);
    } else if (contentLength > 0) {
      this.bodyLength = contentLength;
      this.body = this.req;
    }

    if (connection !== undefined) this.dropConnectionNamed(connection);
    if (route.requestRemove !== undefined) this.dropNamed(route.requestRemove);
    if (host !== undefined) {
      out.push("host", host, "x-forwarded-host", host);
      this.needsHost = false;
    }
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
    this.res[kExchange] = this;
    // Client gone mid-exchange: one 'close' listener per connection (not per request) finds the
    // exchange in flight on it.
    const socket = this.req.socket as Socket & { [kExchange]?: Exchange; [kWatched]?: true };
    socket[kExchange] = this;
    if (socket[kWatched] === undefined) {
      socket[kWatched] = true;
      socket.on("close", onClientSocketClose);
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
    if (pool.stickyCookie !== undefined && this.cookie(pool.stickyCookie) !== b.id) this.setStickyFor = b;
    this.backend = b;
    b.inFlight++;
    b.stats.active++;
    this.attempts++;
    this.connected = false;
    this.abortUpstream = null;
    this.attemptStarted = performance.now();
    (b.dispatcher as Upstream).dispatch(this, this);
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
    const out: string[] = [];
    let dropped: ReadonlySet<string> | undefined = this.route?.responseRemove;
    for (let i = 0; i < rawHeaders.length; i += 2) {
      const name = rawHeaders[i] as string;
      const kind = classifyHeader(name);
      if (kind === H_HOP || kind === H_TRANSFER_ENCODING || kind === H_UPGRADE) continue;
      const value = rawHeaders[i + 1] as string;
      if (kind === H_CONNECTION) {
        const named = connectionTokens(value);
        if (named.length > 0) dropped = new Set([...(dropped ?? []), ...named]);
        continue;
      }
      if (kind === H_CONTENT_LENGTH) this.responseRemaining = Number(value);
      out.push(name, value);
    }
    if (dropped !== undefined) {
      let w = 0;
      for (let r = 0; r < out.length; r += 2) {
        if (dropped.has((out[r] as string).toLowerCase())) continue;
        out[w++] = out[r] as string;
        out[w++] = out[r + 1] as string;
      }
      out.length = w;
    }
    const add = (this.route as CompiledRoute).responseAdd;
    for (let i = 0; i < add.length; i++) out.push(add[i] as string);
    out.push("x-request-id", this.requestId);
    const sticky = this.setStickyFor;
    if (sticky !== undefined && sticky === b)
      out.push("set-cookie", `${pool.stickyCookie}=${b.id}${pool.stickyAttributes}`);
    try {
      this.res.writeHead(statusCode, out);
    } catch {
      // A header Node refuses to send (invalid characters): the answer cannot be relayed as is.
      this.lastFailure = "WEIR_E_UPSTREAM_RESET";
      this.abortUpstream?.();
      return false;
    }
    return true;
  }

  onData(chunk: Buffer): boolean {
    if (this.discarding || this.finished) return true;
    this.responseRemaining -= chunk.length;
    if (this.responseRemaining === 0 && chunk.length <= SMALL_BODY) {
      // The whole (rest of the) body is here and small: as a latin1 string Node sends it in the
      // same write as the response head (one send instead of a writev of two buffers).
      this.res.end(chunk.toString("latin1"), "latin1");
      this.ended = true;
      return true;
    }
    if (this.res.write(chunk)) return true;
    // Backpressure: undici stops reading the backend socket until the client drains.
    if (!this.drainListening) {
      this.drainListening = true;
      this.res.on("drain", onResponseDrain);
    }
    return false;
  }

  onComplete(): void {
    const b = this.backend as BackendRuntime;
    if (this.discarding) {
      this.discarding = false;
      this.releaseBackend(b, 503);
      this.retry(b);
      return;
    }
    const status = this.res.statusCode;
    this.releaseBackend(b, status);
    if (!this.finished) {
      if (!this.ended) this.res.end();
      this.finish(status);
    }
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
    if (this.res.headersSent) {
      // Mid-body failure: the only honest signal left is cutting the client's connection.
      this.res.destroy();
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
        // Before undici wrote the request, any failure is a connect failure (refused, unreachable,
        // TLS); after, the backend dropped or garbled an answer.
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
    // Not from inside undici's callback: the failed request's client is still unwinding.
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

  /** The client went away before the answer was complete. */
  clientGone(): void {
    // `ended`: the whole answer was handed to Node already; the upstream completes on its own.
    if (this.finished || this.ended) return;
    const abort = this.abortUpstream;
    if (abort !== null && this.backend !== undefined) {
      abort(clientGoneError);
      return;
    }
    this.finish(0);
  }

  resume(): void {
    this.resumeUpstream?.();
  }

  private answer(code: EngineErrorCode, retryAfter?: number): void {
    const a = errorAnswers[code];
    const res = this.res;
    if (!res.headersSent && !res.destroyed) {
      const headers = [
        "content-type",
        "text/plain; charset=utf-8",
        "content-length",
        a.contentLength,
        "x-weir-error",
        code,
        "x-request-id",
        this.requestId,
      ];
      if (retryAfter !== undefined) headers.push("retry-after", String(retryAfter));
      // The unread body would otherwise be drained before the connection could be reused.
      if (code === "WEIR_E_BODY_TOO_LARGE" || (this.body !== null && !this.req.complete))
        headers.push("connection", "close");
      res.writeHead(a.status, headers);
      res.end(a.body);
    }
    this.finish(a.status);
  }

  private finish(status: number): void {
    if (this.finished) return;
    this.finished = true;
    const socket = this.req.socket as Socket & { [kExchange]?: Exchange };
    if (socket[kExchange] === this) socket[kExchange] = undefined;
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

const clientGoneError = Object.assign(new Error("client closed the connection"), { code: "WEIR_E_CLIENT_GONE" });

function noop(): void {}

function retryNext(x: Exchange): void {
  x.retryNow();
}

function onClientSocketClose(this: Socket & { [kExchange]?: Exchange }): void {
  this[kExchange]?.clientGone();
}

function onResponseDrain(this: Res): void {
  this[kExchange]?.resume();
}

function onRequestBodyError(this: IncomingMessage & { [kLimiter]?: BodyLimit }, err: Error): void {
  // Client aborted a chunked upload: `pipe` does not forward errors, the limiter carries it to undici.
  this[kLimiter]?.destroy(err);
}

/** Node's `request` listener: one exchange per request. */
export function handleRequest(state: ListenerState, req: IncomingMessage, res: ServerResponse): void {
  new Exchange(state, req, res).start();
}
