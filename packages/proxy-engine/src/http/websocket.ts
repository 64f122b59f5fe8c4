import { connect, type Socket } from "node:net";
import type { BackendRuntime } from "../backend";
import type { EngineErrorCode } from "../errors";
import type { PoolRuntime, RequestKeys } from "../pool";
import { type CompiledRoute, normalizeHost } from "../routing/router";
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
import {
  HTTPParser,
  kOnBody,
  kOnHeaders,
  kOnHeadersComplete,
  kOnMessageComplete,
  LENIENT_NONE,
  type NativeParser,
  parserResource,
  releaseParser,
} from "../util/llhttp";
import { acceptableRequestId, nextRequestId } from "../util/request-id";
import type { ListenerState } from "./exchange";
import { writeRawAnswer } from "./raw-answer";
import { splitAbsoluteTarget, validHost } from "./request-target";
import { CONNECTION_CLOSE, dateHeader, statusLine } from "./response-head";

/** An upgrade request as the client connection parsed it; the socket is handed over with it. */
export interface UpgradeRequest {
  readonly method: string;
  readonly url: string;
  /** Flat `[name, value, …]` as the client sent them. */
  readonly rawHeaders: readonly string[];
  readonly clientIp: string;
}

/**
 * After a refused upgrade (or an error answer) the proxy reads and drops what the client still
 * sends for this long before closing, so that closing with unread data does not reset the
 * connection and destroy the answer in flight (as ClientConnection's lingering close).
 */
const LINGER_MS = 5_000;

/** Connecting, then waiting for the backend's answer: the client's bytes are held, not read. */
const WAITING = 0;
/** The backend refused (an answer other than a matching 101): relaying it, then closing. */
const REFUSED = 1;
/** 101 with the Upgrade asked for: the sockets are spliced. */
const SPLICED = 2;
/** Our answer is written and our side ended: reading and dropping until the client closes. */
const LINGERING = 3;
const CLOSED = 4;

/**
 * WebSocket upgrade passthrough: route the handshake like any request, open a TCP connection to
 * the picked backend and replay the handshake (hop-by-hop headers removed except Connection:
 * Upgrade and Upgrade: websocket, X-Forwarded-* added). The client's bytes past the handshake are
 * held (its socket is not read) until the backend answers: only a `101 Switching Protocols` whose
 * Upgrade is `websocket` splices the two sockets (the 101 and every frame after it then flow
 * through untouched). Any other answer (200, 400, 426…) is relayed to the client as an ordinary
 * answer with `connection: close`, and the connection closes: bytes the client sent after the
 * handshake (a pipelined request, say) never reach the backend, which read its answer's request
 * as HTTP and would read the rest as HTTP too. A tunnel counts as one request in flight on its
 * backend for its whole life, so least-connections balancing sees long-lived sockets.
 *
 * Cost: upgrades are rare; a tunnel allocates its parser, closures and timers freely.
 */
class Tunnel implements RequestKeys {
  now: number;
  hash = 0;
  panic = false;
  tried: BackendRuntime[] = [];
  readonly clientIp: string;
  private backend: BackendRuntime | undefined;
  private upstream: Socket | undefined;
  private phase = WAITING;
  private readonly cookies: string | undefined;
  private parser: NativeParser | null = null;
  /** The backend's bytes until its answer's head is complete: a 101 is relayed as it came. */
  private received: Buffer[] = [];
  private extraHeaders: string[] | null = null;
  private informational = false;
  private status = 0;
  private lingerTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly state: ListenerState,
    private readonly route: CompiledRoute,
    private readonly req: UpgradeRequest,
    private readonly client: Socket,
    private readonly head: Buffer,
    private readonly requestHead: string,
    private readonly requestId: string,
  ) {
    const pool = route.pool;
    this.now = state.env.now();
    this.clientIp = req.clientIp;
    this.cookies = findRawHeader(req.rawHeaders, "cookie");
    this.panic = pool.shared.panic;
    this.hash = pool.hashOf(this);
    client.on("error", () => this.close());
    client.on("close", () => this.close());
  }

  private get pool(): PoolRuntime {
    return this.route.pool;
  }

  header(lower: string): string | undefined {
    return findRawHeader(this.req.rawHeaders, lower);
  }

  cookie(name: string): string | undefined {
    return findCookie(this.cookies, name);
  }

  open(): void {
    if (this.phase !== WAITING) return;
    const b = this.pool.select(this);
    if (b === undefined) {
      this.fail(this.tried.length > 0 ? "WEIR_E_UPSTREAM_CONNECT" : "WEIR_E_NO_HEALTHY_BACKEND");
      return;
    }
    this.backend = b;
    b.inFlight++;
    b.stats.active++;
    const upstream = connect({ host: b.host, port: b.port, noDelay: true });
    this.upstream = upstream;
    const timeouts = this.pool.config.timeouts;
    const onConnectTimeout = () => upstream.destroy(Object.assign(new Error("connect timeout"), { code: "TIMEOUT" }));
    upstream.setTimeout(timeouts.connectMs, onConnectTimeout);
    let connected = false;
    upstream.once("connect", () => {
      connected = true;
      upstream.off("timeout", onConnectTimeout);
      this.pool.onSuccess(b);
      if (this.phase !== WAITING) return;
      // The answer's head must arrive within the pool's first-byte timeout.
      upstream.setTimeout(timeouts.firstByteMs, this.onAnswerTimeout);
      const parser = new HTTPParser();
      parser.initialize(HTTPParser.RESPONSE, parserResource, 0, LENIENT_NONE);
      parser[kOnHeaders] = this.onParserHeaders;
      parser[kOnHeadersComplete] = this.onParserHeadersComplete;
      parser[kOnBody] = this.onParserBody;
      parser[kOnMessageComplete] = this.onParserMessageComplete;
      this.parser = parser;
      upstream.on("data", this.onUpstreamData);
      upstream.on("end", this.onUpstreamEnd);
      upstream.on("close", this.onUpstreamClose);
      upstream.write(this.requestHead, "latin1");
    });
    upstream.once("error", (err: Error & { code?: string }) => {
      if (!connected) {
        this.release();
        this.pool.onConnectFailure(b, this.state.env.now(), err.code ?? err.message);
        if (this.phase !== WAITING) return;
        if (this.tried.length < this.pool.config.retry.attempts) {
          this.tried.push(b);
          this.open();
          return;
        }
        this.fail(err.code === "TIMEOUT" ? "WEIR_E_CONNECT_TIMEOUT" : "WEIR_E_UPSTREAM_CONNECT");
        return;
      }
      this.onUpstreamClose();
    });
  }

  // The backend's answer to the handshake, through llhttp in response mode.

  private readonly onUpstreamData = (chunk: Buffer): void => {
    const parser = this.parser;
    if (parser === null) return;
    if (this.phase === WAITING) this.received.push(chunk);
    const ret = parser.execute(chunk);
    if (ret instanceof Error) {
      // A garbled answer: before its head, the client gets a 502; in its body, the cut.
      if (this.phase === WAITING) this.fail("WEIR_E_UPSTREAM_RESET");
      else this.close();
      return;
    }
    if (this.phase === WAITING && this.status === 101) this.splice();
  };

  private readonly onParserHeaders = (headers: string[]): void => {
    this.extraHeaders = this.extraHeaders === null ? headers.slice() : this.extraHeaders.concat(headers);
  };

  private readonly onParserHeadersComplete = (
    _major: number,
    _minor: number,
    headers: string[] | undefined,
    _method: unknown,
    _url: unknown,
    statusCode: number,
  ): number => {
    let all = headers ?? [];
    if (this.extraHeaders !== null) {
      all = this.extraHeaders.concat(all);
      this.extraHeaders = null;
    }
    if (this.phase !== WAITING) return 0;
    if (statusCode === 101) {
      // Only the protocol the client asked for (RFC 9110 §7.8); anything else is not a tunnel
      // the client can use, and not an answer it can read either.
      const upgrade = findRawHeader(all, "upgrade");
      if (upgrade !== undefined && eqLower(upgrade, "websocket")) this.status = 101;
      else this.fail("WEIR_E_UPSTREAM_RESET");
      return 0;
    }
    if (statusCode < 200) {
      // 100 Continue, 103 Early Hints: not the answer yet.
      this.informational = true;
      return 0;
    }
    this.refuse(statusCode, all);
    return 0;
  };

  private readonly onParserBody = (chunk: Buffer): void => {
    if (this.phase === REFUSED && !this.client.write(chunk)) {
      this.upstream?.pause();
      this.client.once("drain", this.onClientDrain);
    }
  };

  private readonly onParserMessageComplete = (): void => {
    if (this.informational) {
      this.informational = false;
      return;
    }
    if (this.phase !== REFUSED) return;
    this.record(this.status);
    this.linger();
  };

  private readonly onClientDrain = (): void => {
    this.upstream?.resume();
  };

  private readonly onUpstreamEnd = (): void => {
    if (this.phase === REFUSED && this.parser !== null) {
      // A close-delimited body ends here.
      const ret = this.parser.finish();
      if (ret instanceof Error) this.close();
      return;
    }
    if (this.phase === WAITING) this.fail("WEIR_E_UPSTREAM_RESET");
  };

  private readonly onUpstreamClose = (): void => {
    if (this.phase === WAITING) this.fail("WEIR_E_UPSTREAM_RESET");
    else if (this.phase === REFUSED || this.phase === SPLICED) this.close();
  };

  private readonly onAnswerTimeout = (): void => {
    if (this.phase === WAITING) this.fail("WEIR_E_UPSTREAM_TIMEOUT");
  };

  /** The backend answered the handshake with something else than a 101: relay it, then close. */
  private refuse(status: number, raw: readonly string[]): void {
    this.phase = REFUSED;
    this.status = status;
    this.received = [];
    const upstream = this.upstream as Socket;
    upstream.setTimeout(this.pool.config.timeouts.idleMs, () => this.close());
    const route = this.route;
    const dropped = new Set<string>(route.responseRemove);
    for (let i = 0; i < raw.length; i += 2) {
      if (classifyHeader(raw[i] as string) !== H_CONNECTION) continue;
      for (const t of connectionTokens(raw[i + 1] as string)) dropped.add(t);
    }
    let head = statusLine(status);
    let hasDate = false;
    for (let i = 0; i < raw.length; i += 2) {
      const name = raw[i] as string;
      const kind = classifyHeader(name);
      if (kind === H_HOP || kind === H_CONNECTION || kind === H_TRANSFER_ENCODING || kind === H_UPGRADE) continue;
      if (kind === H_EXPECT) continue;
      // The length survives a Connection header naming it; without one the body is
      // close-delimited (the connection closes after it anyway).
      if (kind !== H_CONTENT_LENGTH && dropped.has(name.toLowerCase())) continue;
      if (kind === H_DATE) hasDate = true;
      head += `${name}: ${raw[i + 1]}\r\n`;
    }
    const add = route.responseAdd;
    for (let i = 0; i < add.length; i += 2) head += `${add[i]}: ${add[i + 1]}\r\n`;
    head += `x-request-id: ${this.requestId}\r\n`;
    if (!hasDate) head += dateHeader(this.state.env.now());
    this.client.write(`${head}${CONNECTION_CLOSE}\r\n`, "latin1");
  }

  /** The backend switched to the protocol asked for: relay its bytes, then splice both ways. */
  private splice(): void {
    this.phase = SPLICED;
    const upstream = this.upstream as Socket;
    const client = this.client;
    upstream.off("data", this.onUpstreamData);
    upstream.off("end", this.onUpstreamEnd);
    this.dropParser();
    // The 101's head and whatever came with it (the backend's first frames), exactly as received.
    for (const chunk of this.received) client.write(chunk);
    this.received = [];
    // The client's bytes past the handshake, then what it sent while the proxy waited.
    if (this.head.length > 0) upstream.write(this.head);
    // Idle tunnels close after the listener's idle timeout (activity either way resets it).
    const idle = this.state.limits.idleTimeoutMs;
    client.setTimeout(idle, () => this.close());
    upstream.setTimeout(idle, () => this.close());
    upstream.pipe(client);
    client.pipe(upstream);
    this.record(101);
  }

  private record(status: number): void {
    (this.backend as BackendRuntime | undefined)?.stats.record(status, 0);
  }

  private dropParser(): void {
    const parser = this.parser;
    if (parser === null) return;
    this.parser = null;
    releaseParser(parser);
  }

  private release(): void {
    const b = this.backend;
    if (b === undefined) return;
    this.backend = undefined;
    b.inFlight--;
    b.stats.active--;
  }

  /** An error answer of the proxy's own instead of the backend's; then the client is drained. */
  private fail(code: EngineErrorCode): void {
    if (this.phase !== WAITING) return;
    writeRawAnswer(this.client, code);
    this.linger();
  }

  /**
   * Our answer is complete and our side ended: the backend connection goes (it read the
   * handshake as HTTP; nothing else is sent on it), the client's bytes are read and dropped until
   * it closes, for at most LINGER_MS.
   */
  private linger(): void {
    this.phase = LINGERING;
    this.release();
    this.dropParser();
    this.upstream?.destroy();
    const client = this.client;
    if (client.writable) client.end();
    drainAndClose(client);
    this.lingerTimer = setTimeout(() => client.destroy(), LINGER_MS);
    this.lingerTimer.unref();
  }

  private close(): void {
    if (this.phase === CLOSED) return;
    this.phase = CLOSED;
    clearTimeout(this.lingerTimer);
    this.release();
    this.dropParser();
    this.client.destroy();
    this.upstream?.destroy();
  }
}

/**
 * Checks an upgrade request as `Exchange` checks any other (one valid Host, origin- or
 * absolute-form target), plus: no body (a handshake has none, and its bytes would be held with
 * the rest until a 101). Returns the Host to route by and forward, and the origin-form target.
 */
function readUpgradeTarget(req: UpgradeRequest): { host: string; path: string } | undefined {
  const raw = req.rawHeaders;
  let host: string | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const kind = classifyHeader(raw[i] as string);
    const value = raw[i + 1] as string;
    if (kind === H_HOST) {
      if (host !== undefined || !validHost(value)) return undefined;
      host = value;
    } else if (kind === H_TRANSFER_ENCODING || (kind === H_CONTENT_LENGTH && value !== "0")) {
      return undefined;
    }
  }
  if (host === undefined) return undefined;
  if (req.url.charCodeAt(0) === 47 /* / */) return { host, path: req.url };
  const target = splitAbsoluteTarget(req.url);
  return target === undefined ? undefined : { host: target.authority, path: target.path };
}

export function handleUpgrade(state: ListenerState, req: UpgradeRequest, client: Socket, head: Buffer): void {
  client.on("error", noop);
  const raw = req.rawHeaders;
  const upgrade = findRawHeader(raw, "upgrade");
  const target = readUpgradeTarget(req);
  if (upgrade === undefined || !eqLower(upgrade, "websocket") || target === undefined) {
    refuseUpgrade(client, "WEIR_E_BAD_REQUEST");
    return;
  }
  const { host, path } = target;
  const route = state.router.match(normalizeHost(host), path, raw);
  if (route === undefined) {
    refuseUpgrade(client, "WEIR_E_NO_ROUTE");
    return;
  }

  let requestId = "";
  let xff: string | undefined;
  let dropped = route.requestRemove;
  const lines: string[] = [`${req.method} ${path} HTTP/1.1`];
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] as string;
    const value = raw[i + 1] as string;
    const kind = classifyHeader(name);
    if (kind === H_CONNECTION) {
      const named = connectionTokens(value);
      if (named.length > 0) dropped = new Set([...(dropped ?? []), ...named]);
    } else if (kind === H_REQUEST_ID) {
      if (acceptableRequestId(value)) requestId = value;
    } else if (kind === H_XFF) {
      xff = xff === undefined ? value : `${xff}, ${value}`;
    } else if (kind === H_OTHER || kind === H_COOKIE || kind === H_DATE) {
      lines.push(`${name}: ${value}`);
    }
    // Host is written below (after the removals, which cannot take it away); framing headers,
    // hop-by-hop ones and the client's X-Forwarded-Proto/Host are not forwarded.
  }
  const clientIp = req.clientIp;
  const kept =
    dropped === undefined
      ? lines
      : lines.filter((l, i) => i === 0 || !dropped.has(l.slice(0, l.indexOf(":")).toLowerCase()));
  if (requestId === "") requestId = nextRequestId();
  kept.push(
    `Host: ${route.requestHost ?? host}`,
    "Connection: Upgrade",
    "Upgrade: websocket",
    `X-Forwarded-For: ${xff === undefined ? clientIp : `${xff}, ${clientIp}`}`,
    `X-Forwarded-Proto: ${state.proto}`,
    `X-Request-Id: ${requestId}`,
    `X-Forwarded-Host: ${host}`,
  );
  for (let i = 0; i < route.requestAdd.length; i += 2) kept.push(`${route.requestAdd[i]}: ${route.requestAdd[i + 1]}`);
  new Tunnel(state, route, req, client, head, `${kept.join("\r\n")}\r\n\r\n`, requestId).open();
}

/** A refusal before any backend is involved: the answer, then the client is drained and closed. */
function refuseUpgrade(client: Socket, code: EngineErrorCode): void {
  writeRawAnswer(client, code);
  drainAndClose(client);
  setTimeout(() => client.destroy(), LINGER_MS).unref();
}

/** Reads and drops what the client sends; its FIN closes the socket once our answer is flushed. */
function drainAndClose(client: Socket): void {
  client.on("data", noop);
  client.on("end", () => {
    if (client.writableFinished) client.destroy();
    else client.once("finish", () => client.destroy());
  });
  client.resume();
}

function noop(): void {}
