import { connect, type Socket } from "node:net";
import type { BackendRuntime } from "../backend";
import type { EngineErrorCode } from "../errors";
import type { PoolRuntime, RequestKeys } from "../pool";
import { normalizeHost } from "../routing/router";
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
  H_HOP,
  H_OTHER,
  H_REQUEST_ID,
} from "../util/headers";
import { acceptableRequestId, nextRequestId } from "../util/request-id";
import type { ListenerState } from "./exchange";
import { writeRawAnswer } from "./raw-answer";

/** An upgrade request as the client connection parsed it; the socket is handed over with it. */
export interface UpgradeRequest {
  readonly method: string;
  readonly url: string;
  /** Flat `[name, value, …]` as the client sent them. */
  readonly rawHeaders: readonly string[];
  readonly clientIp: string;
}

/**
 * WebSocket upgrade passthrough: route the handshake like any request, open a TCP connection to
 * the picked backend, replay the handshake (hop-by-hop headers removed except Connection: Upgrade
 * and Upgrade: websocket, X-Forwarded-* added), then splice the two sockets. The backend's 101
 * and every frame after it flow through untouched. A tunnel counts as one request in flight on its
 * backend for its whole life, so least-connections balancing sees long-lived sockets.
 */
class Tunnel implements RequestKeys {
  now: number;
  hash = 0;
  panic = false;
  tried: BackendRuntime[] = [];
  readonly clientIp: string;
  private backend: BackendRuntime | undefined;
  private upstream: Socket | undefined;
  private closed = false;
  private readonly cookies: string | undefined;

  constructor(
    private readonly state: ListenerState,
    private readonly pool: PoolRuntime,
    private readonly req: UpgradeRequest,
    private readonly client: Socket,
    private readonly head: Buffer,
    private readonly requestHead: string,
  ) {
    this.now = state.env.now();
    this.clientIp = req.clientIp;
    this.cookies = findRawHeader(req.rawHeaders, "cookie");
    this.panic = pool.shared.panic;
    this.hash = pool.hashOf(this);
    client.on("error", () => this.close());
    client.on("close", () => this.close());
  }

  header(lower: string): string | undefined {
    return findRawHeader(this.req.rawHeaders, lower);
  }

  cookie(name: string): string | undefined {
    return findCookie(this.cookies, name);
  }

  open(): void {
    if (this.closed) return;
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
    const onConnectTimeout = () => upstream.destroy(new Error("connect timeout"));
    upstream.setTimeout(this.pool.config.timeouts.connectMs, onConnectTimeout);
    let connected = false;
    upstream.once("connect", () => {
      connected = true;
      upstream.off("timeout", onConnectTimeout);
      this.pool.onSuccess(b);
      upstream.write(this.requestHead);
      if (this.head.length > 0) upstream.write(this.head);
      // Idle tunnels close after the listener's idle timeout (activity either way resets it).
      const idle = this.state.limits.idleTimeoutMs;
      this.client.setTimeout(idle, () => this.close());
      upstream.setTimeout(idle, () => this.close());
      upstream.pipe(this.client);
      this.client.pipe(upstream);
      b.stats.record(101, 0);
      upstream.on("close", () => this.close());
    });
    upstream.once("error", (err: Error & { code?: string }) => {
      if (!connected) {
        this.release();
        this.pool.onConnectFailure(b, this.state.env.now(), err.code ?? err.message);
        if (this.tried.length < this.pool.config.retry.attempts) {
          this.tried.push(b);
          return this.open();
        }
        return this.fail("WEIR_E_UPSTREAM_CONNECT");
      }
      this.close();
    });
  }

  private release(): void {
    const b = this.backend;
    if (b === undefined) return;
    this.backend = undefined;
    b.inFlight--;
    b.stats.active--;
  }

  private fail(code: EngineErrorCode): void {
    writeRawAnswer(this.client, code);
    this.closed = true;
  }

  private close(): void {
    if (this.closed) return;
    this.closed = true;
    this.release();
    this.client.destroy();
    this.upstream?.destroy();
  }
}

export function handleUpgrade(state: ListenerState, req: UpgradeRequest, client: Socket, head: Buffer): void {
  client.on("error", noop);
  const raw = req.rawHeaders;
  const upgrade = findRawHeader(raw, "upgrade");
  if (upgrade === undefined || !eqLower(upgrade, "websocket")) {
    writeRawAnswer(client, "WEIR_E_BAD_REQUEST");
    return;
  }
  const host = findRawHeader(raw, "host");
  const route = state.router.match(normalizeHost(host), req.url, raw);
  if (route === undefined) {
    writeRawAnswer(client, "WEIR_E_NO_ROUTE");
    return;
  }

  let requestId = "";
  let xff: string | undefined;
  let dropped = route.requestRemove;
  const lines: string[] = [`${req.method} ${req.url} HTTP/1.1`];
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] as string;
    const value = raw[i + 1] as string;
    const kind = classifyHeader(name);
    if (kind === H_CONNECTION) {
      const named = connectionTokens(value);
      if (named.length > 0) dropped = new Set([...(dropped ?? []), ...named]);
    } else if (kind === H_REQUEST_ID) {
      if (acceptableRequestId(value)) requestId = value;
    } else if (kind === 4 /* X-Forwarded-For */) {
      xff = xff === undefined ? value : `${xff}, ${value}`;
    } else if (
      kind === H_OTHER ||
      kind === H_COOKIE ||
      kind === H_CONTENT_LENGTH ||
      kind === H_DATE ||
      kind === 3 /* Host */
    ) {
      lines.push(`${name}: ${value}`);
    } else if (kind === H_HOP) {
      // dropped
    }
  }
  const clientIp = req.clientIp;
  const kept =
    dropped === undefined
      ? lines
      : lines.filter((l, i) => i === 0 || !dropped.has(l.slice(0, l.indexOf(":")).toLowerCase()));
  kept.push(
    "Connection: Upgrade",
    "Upgrade: websocket",
    `X-Forwarded-For: ${xff === undefined ? clientIp : `${xff}, ${clientIp}`}`,
    `X-Forwarded-Proto: ${state.proto}`,
    `X-Request-Id: ${requestId === "" ? nextRequestId() : requestId}`,
  );
  if (host !== undefined) kept.push(`X-Forwarded-Host: ${host}`);
  for (let i = 0; i < route.requestAdd.length; i += 2) kept.push(`${route.requestAdd[i]}: ${route.requestAdd[i + 1]}`);
  new Tunnel(state, route.pool, req, client, head, `${kept.join("\r\n")}\r\n\r\n`).open();
}

function noop(): void {}
