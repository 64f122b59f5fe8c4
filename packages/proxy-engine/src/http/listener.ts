import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { Socket } from "node:net";
import type { Listener } from "@weir/config";
import { ConnectionCounter, closeServer, listenOn } from "../tcp/server-util";
import { SniTable } from "../tls";
import { handleRequest, type ListenerState } from "./exchange";
import { writeRawAnswer } from "./raw-answer";
import { handleUpgrade } from "./websocket";

/**
 * One HTTP (or HTTPS) listener. The server and its socket live as long as the listener's bind,
 * TLS-ness and header limit stay the same; everything else (routes, pools, certificates, limits
 * read per request) arrives through `update`, a single reference swap that requests already
 * running do not see.
 */
export class HttpListener {
  readonly kind = "http";
  readonly server: Server;
  readonly connections = new ConnectionCounter();
  private sni: SniTable | undefined;

  constructor(
    readonly config: Listener,
    public state: ListenerState,
  ) {
    const onRequest = (req: IncomingMessage, res: ServerResponse) => handleRequest(this.state, req, res);
    const options = {
      maxHeaderSize: config.limits.maxHeaderBytes,
      requestTimeout: 0,
      keepAliveTimeout: config.limits.idleTimeoutMs,
      headersTimeout: Math.min(config.limits.idleTimeoutMs, 60_000),
      noDelay: true,
      insecureHTTPParser: false,
      requireHostHeader: true,
    };
    if (config.tls) {
      this.sni = new SniTable(config.tls.certificates);
      this.server = createHttpsServer(
        {
          ...options,
          ...this.sni.defaultCert,
          SNICallback: (servername, cb) => cb(null, (this.sni as SniTable).lookup(servername)),
        },
        onRequest,
      );
      this.server.on("tlsClientError", (_err, socket) => socket.destroy());
    } else {
      this.server = createHttpServer(options, onRequest);
    }
    this.server.timeout = config.limits.idleTimeoutMs;
    this.server.on("upgrade", (req: IncomingMessage, socket: Socket, head: Buffer) =>
      handleUpgrade(this.state, req, socket, head),
    );
    this.server.on("clientError", onClientError);
    this.server.on("connection", (socket: Socket) => this.connections.track(socket));
  }

  /** What forces a new server: anything fixed at creation. */
  static signature(config: Listener): string {
    return JSON.stringify([config.protocol, config.bind, config.tls !== undefined, config.limits.maxHeaderBytes]);
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

  update(config: Listener, state: ListenerState): void {
    if (config.tls) this.sni = new SniTable(config.tls.certificates);
    this.server.keepAliveTimeout = config.limits.idleTimeoutMs;
    this.server.timeout = config.limits.idleTimeoutMs;
    this.state = state;
  }

  close(graceMs: number): Promise<void> {
    return closeServer(this.server, this.connections, graceMs);
  }
}

function onClientError(err: Error & { code?: string }, socket: Socket): void {
  if (err.code === "ECONNRESET" || !socket.writable) {
    socket.destroy();
    return;
  }
  switch (err.code) {
    case "HPE_HEADER_OVERFLOW": {
      writeRawAnswer(socket, "WEIR_E_HEADERS_TOO_LARGE");
      return;
    }
    case "ERR_HTTP_REQUEST_TIMEOUT": {
      writeRawAnswer(socket, "WEIR_E_REQUEST_TIMEOUT");
      return;
    }
    default: {
      writeRawAnswer(socket, "WEIR_E_BAD_REQUEST");
      return;
    }
  }
}
