import { connect, createServer, type Server, type Socket } from "node:net";
import { createServer as createTlsServer } from "node:tls";
import type { Listener } from "@weir/config";
import type { BackendRuntime } from "../backend";
import type { EngineEnv } from "../env";
import type { PoolRuntime, RequestKeys } from "../pool";
import { SniTable } from "../tls";
import { normalizeIp } from "../util/headers";
import { ConnectionCounter, closeServer, listenOn, park } from "./server-util";

export interface TcpListenerState {
  readonly name: string;
  readonly pool: PoolRuntime;
  readonly idleTimeoutMs: number;
  readonly limits: Listener["limits"];
  readonly env: EngineEnv;
}

/**
 * One TCP (L4) connection: pick a backend (hash algorithms hash the client IP), connect with the
 * pool's connect timeout, try other backends on connect failure, then splice both ways with
 * backpressure (`pipe`), half-close included (each side's FIN is passed on; the session ends when
 * both sockets have closed or either fails). Nothing is parsed. A connection counts as one
 * request in flight.
 */
class TcpSession implements RequestKeys {
  now: number;
  hash = 0;
  panic = false;
  tried: BackendRuntime[] = [];
  readonly clientIp: string;
  private backend: BackendRuntime | undefined;
  private upstream: Socket | undefined;
  private closed = false;
  private readonly started = performance.now();

  constructor(
    private readonly state: TcpListenerState,
    private readonly client: Socket,
  ) {
    this.now = state.env.now();
    this.clientIp = normalizeIp(client.remoteAddress);
    this.panic = state.pool.shared.panic;
    this.hash = state.pool.hashOf(this);
    client.pause();
    client.setNoDelay(true);
    client.on("error", () => this.close());
    // With allowHalfOpen a socket closes only once both directions are done, so either 'close'
    // means the session is over.
    client.on("close", () => this.close());
    client.setTimeout(state.idleTimeoutMs, () => this.close());
    state.pool.shared.stats.active++;
  }

  header(): string | undefined {
    return undefined;
  }

  cookie(): string | undefined {
    return undefined;
  }

  open(): void {
    if (this.closed) return;
    const pool = this.state.pool;
    const b = pool.select(this);
    if (b === undefined) {
      this.client.destroy();
      return;
    }
    this.backend = b;
    b.inFlight++;
    b.stats.active++;
    const upstream = connect({ host: b.host, port: b.port, noDelay: true, allowHalfOpen: true });
    this.upstream = upstream;
    let connected = false;
    const onConnectTimeout = () => upstream.destroy(new Error("connect timeout"));
    upstream.setTimeout(pool.config.timeouts.connectMs, onConnectTimeout);
    upstream.once("connect", () => {
      connected = true;
      upstream.off("timeout", onConnectTimeout);
      pool.onSuccess(b);
      upstream.setTimeout(this.state.idleTimeoutMs, () => this.close());
      upstream.pipe(this.client);
      this.client.pipe(upstream);
      this.client.resume();
    });
    upstream.on("error", (err: Error & { code?: string }) => {
      if (connected) return this.close();
      this.release(0);
      pool.onConnectFailure(b, this.state.env.now(), err.code ?? err.message);
      if (this.tried.length < pool.config.retry.attempts) {
        this.tried.push(b);
        pool.shared.stats.retries++;
        this.now = this.state.env.now();
        return this.open();
      }
      this.close();
    });
    upstream.on("close", () => {
      if (connected) this.close();
    });
  }

  private release(status: number): void {
    const b = this.backend;
    if (b === undefined) return;
    this.backend = undefined;
    b.inFlight--;
    b.stats.active--;
    b.stats.record(status, (performance.now() - this.started) * 1000);
  }

  private close(): void {
    if (this.closed) return;
    this.closed = true;
    const ok = this.backend !== undefined;
    this.release(200);
    const stats = this.state.pool.shared.stats;
    stats.active--;
    stats.record(ok ? 200 : 0, (performance.now() - this.started) * 1000);
    this.client.destroy();
    this.upstream?.destroy();
  }
}

export class TcpListener {
  readonly kind = "tcp";
  readonly server: Server;
  readonly connections = new ConnectionCounter();
  private sni: SniTable | undefined;
  /** Set by `activate`; until then the listener holds a bound socket and serves nothing. */
  state!: TcpListenerState;
  /** Connections accepted between bind and activation, paused until the config commits. */
  private parked: Socket[] | undefined = [];

  /** `sni`: the certificates' table, built (and so validated) by the engine before the apply binds anything. */
  constructor(
    readonly config: Listener,
    sni?: SniTable,
  ) {
    const admit = (socket: Socket) =>
      this.connections.admit(socket, this.parked === undefined ? this.state.limits : config.limits);
    const onConnection = (socket: Socket) => {
      if (this.parked !== undefined) {
        park(socket, this.parked);
        return;
      }
      new TcpSession(this.state, socket).open();
    };
    if (config.tls) {
      this.sni = sni ?? new SniTable(config.tls.certificates);
      this.server = createTlsServer(
        {
          ...this.sni.defaultCert,
          allowHalfOpen: true,
          SNICallback: (name, cb) => cb(null, (this.sni as SniTable).lookup(name)),
        },
        onConnection,
      );
      this.server.on("tlsClientError", (_err, socket) => socket.destroy());
      // Caps are checked at TCP accept, before the handshake costs anything.
      this.server.on("connection", admit);
    } else {
      // Half-open: a client that shuts down its sending side still gets the backend's answer.
      this.server = createServer({ noDelay: true, allowHalfOpen: true }, (socket: Socket) => {
        if (admit(socket)) onConnection(socket);
      });
    }
  }

  static signature(config: Listener): string {
    return JSON.stringify([config.protocol, config.bind, config.tls !== undefined]);
  }

  listen(): Promise<void> {
    return listenOn(this.server, this.config.bind.host, this.config.bind.port);
  }

  address(): { host: string; port: number } {
    const a = this.server.address();
    return typeof a === "object" && a !== null
      ? { host: a.address, port: a.port }
      : { host: this.config.bind.host, port: 0 };
  }

  /** Starts serving with `state`: the commit of the config that bound this listener. */
  activate(state: TcpListenerState): void {
    this.state = state;
    const parked = this.parked ?? [];
    this.parked = undefined;
    // TcpSession pauses the socket itself and resumes it once the backend answers.
    for (const socket of parked) if (!socket.destroyed) new TcpSession(state, socket).open();
  }

  update(config: Listener, state: TcpListenerState, sni?: SniTable): void {
    if (config.tls) this.sni = sni ?? new SniTable(config.tls.certificates);
    this.state = state;
  }

  close(graceMs: number): Promise<void> {
    for (const socket of this.parked ?? []) socket.destroy();
    return closeServer(this.server, this.connections, graceMs);
  }
}
