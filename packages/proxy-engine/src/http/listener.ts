import { createServer, type Server, type Socket } from "node:net";
import { createServer as createTlsServer } from "node:tls";
import type { Listener } from "@weir/config";
import { ConnectionCounter, closeServer, listenOn, park } from "../tcp/server-util";
import { SniTable } from "../tls";
import { ClientConnection, type ConnectionHost, SWEEP_MS } from "./connection";
import type { ListenerState } from "./exchange";

/**
 * One HTTP (or HTTPS) listener: a `net` (or `tls`) server whose connections speak HTTP/1.1
 * through `ClientConnection`. The server and its socket live as long as the listener's bind,
 * TLS-ness and header limit stay the same; everything else (routes, pools, certificates, limits
 * read per request, timeouts) arrives through `update`, a single reference swap that requests
 * already running do not see.
 *
 * Timeouts are one sweep every SWEEP_MS over the listener's connections rather than a timer per
 * socket refreshed on every read and write: a read costs one number assignment.
 */
export class HttpListener implements ConnectionHost {
  readonly kind = "http";
  readonly server: Server;
  readonly connections = new ConnectionCounter();
  draining = false;
  private readonly clients = new Set<ClientConnection>();
  private sweeper: NodeJS.Timeout | undefined;
  private sni: SniTable | undefined;
  private readonly serve: (socket: Socket, early?: Buffer | null) => void;

  /** Set by `activate`; until then the listener holds a bound socket and serves nothing. */
  state!: ListenerState;
  /** Connections accepted between bind and activation, paused until the config commits. */
  private parked: Socket[] | undefined = [];

  /** `sni`: the certificates' table, built (and so validated) by the engine before the apply binds anything. */
  constructor(
    readonly config: Listener,
    sni?: SniTable,
  ) {
    const maxHeaderBytes = config.limits.maxHeaderBytes;
    const onClient = (socket: Socket, early: Buffer | null = null) => {
      if (this.parked !== undefined) {
        park(socket, this.parked);
        return;
      }
      const conn = new ClientConnection(socket, this, maxHeaderBytes, early);
      if (conn.open) this.clients.add(conn);
    };
    this.serve = onClient;
    // Half-open sockets, as Node's HTTP server has them: an HTTP connection ends itself on the
    // client's FIN (see ClientConnection), a WebSocket tunnel passes the FIN on.
    if (config.tls) {
      this.sni = sni ?? new SniTable(config.tls.certificates);
      this.server = createTlsServer(
        {
          ...this.sni.defaultCert,
          allowHalfOpen: true,
          noDelay: true,
          ALPNProtocols: ["http/1.1"],
          SNICallback: (servername, cb) => cb(null, (this.sni as SniTable).lookup(servername)),
        },
        onClient,
      );
      this.server.on("tlsClientError", (_err, socket) => socket.destroy());
      // Caps are checked at TCP accept, before the handshake costs anything.
      this.server.on("connection", (socket: Socket) => this.connections.admit(socket, this.limits()));
    } else {
      this.server = createServer({ noDelay: true, allowHalfOpen: true }, (socket: Socket) => {
        if (this.connections.admit(socket, this.limits())) onClient(socket);
      });
    }
  }

  /** The running limits: the committed state's, or the config's while not yet activated. */
  private limits(): ListenerState["limits"] {
    return this.parked === undefined ? this.state.limits : this.config.limits;
  }

  /** What forces a new server: anything fixed at creation. */
  static signature(config: Listener): string {
    return JSON.stringify([config.protocol, config.bind, config.tls !== undefined, config.limits.maxHeaderBytes]);
  }

  async listen(): Promise<void> {
    await listenOn(this.server, this.config.bind.host, this.config.bind.port);
    if (this.sweeper === undefined) {
      this.sweeper = setInterval(this.sweep, SWEEP_MS);
      this.sweeper.unref();
    }
  }

  private readonly sweep = (): void => {
    if (this.parked !== undefined) return; // not serving yet: no connection to time out
    const now = this.state.env.now();
    const limits = this.state.limits;
    for (const c of this.clients) c.check(now, limits);
  };

  forget(conn: ClientConnection): void {
    this.clients.delete(conn);
  }

  address(): { host: string; port: number } {
    const a = this.server.address();
    return typeof a === "object" && a !== null
      ? { host: a.address, port: a.port }
      : { host: this.config.bind.host, port: 0 };
  }

  /** Starts serving with `state`: the commit of the config that bound this listener. */
  activate(state: ListenerState): void {
    this.state = state;
    const parked = this.parked ?? [];
    this.parked = undefined;
    for (const socket of parked) {
      if (socket.destroyed) continue;
      // What arrived while parked sits in the socket's buffer, which the parser (reading the
      // handle directly from now on) never sees: it is handed over first.
      this.serve(socket, socket.read() as Buffer | null);
      socket.resume();
    }
  }

  update(config: Listener, state: ListenerState, sni?: SniTable): void {
    if (config.tls) this.sni = sni ?? new SniTable(config.tls.certificates);
    this.state = state;
  }

  async close(graceMs: number): Promise<void> {
    this.draining = true;
    for (const socket of this.parked ?? []) socket.destroy();
    for (const c of this.clients) c.closeIfIdle();
    try {
      await closeServer(this.server, this.connections, graceMs);
    } finally {
      clearInterval(this.sweeper);
    }
  }
}
