import type { Server as NetServer, Socket } from "node:net";

const kCounter = Symbol("weir.connections");

/** The caps `admit` enforces (a listener's limits). */
export interface ConnectionCaps {
  readonly maxConnections: number;
  readonly maxConnectionsPerClient: number;
}

/**
 * Open, accepted and refused client connections of one listener, open ones per client address;
 * also what a graceful close waits for. Costs a map update per connection, nothing per request.
 */
export class ConnectionCounter {
  open = 0;
  accepted = 0;
  refused = 0;
  readonly sockets = new Set<Socket>();
  private readonly perClient = new Map<string, number>();

  /**
   * Counts a freshly accepted socket, or closes it at once (before any TLS handshake or parsing
   * work) when the listener or its client address is at its cap. Returns whether it was admitted.
   */
  admit(socket: Socket, caps: ConnectionCaps): boolean {
    const client = socket.remoteAddress ?? "";
    const fromClient = this.perClient.get(client) ?? 0;
    if (
      (caps.maxConnections > 0 && this.open >= caps.maxConnections) ||
      (caps.maxConnectionsPerClient > 0 && fromClient >= caps.maxConnectionsPerClient)
    ) {
      this.refused++;
      socket.destroy();
      return false;
    }
    this.open++;
    this.accepted++;
    this.perClient.set(client, fromClient + 1);
    this.sockets.add(socket);
    (socket as Counted)[kCounter] = this;
    (socket as Counted)[kClient] = client;
    socket.once("close", onSocketClose);
    return true;
  }

  release(socket: Socket): void {
    const client = (socket as Counted)[kClient] ?? "";
    this.open--;
    this.sockets.delete(socket);
    const left = (this.perClient.get(client) ?? 1) - 1;
    if (left <= 0) this.perClient.delete(client);
    else this.perClient.set(client, left);
  }
}

const kClient = Symbol("weir.client");
type Counted = Socket & { [kCounter]?: ConnectionCounter; [kClient]?: string };

function onSocketClose(this: Counted): void {
  this[kCounter]?.release(this);
}

/**
 * Holds a connection accepted between a listener's bind and its activation: paused, and destroyed
 * on error (a client reset while parked must not surface as an unhandled 'error').
 */
export function park(socket: Socket, parked: Socket[]): void {
  socket.pause();
  socket.once("error", () => socket.destroy());
  parked.push(socket);
}

export function listenOn(server: NetServer, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    server.once("error", onError);
    server.listen({ host, port, backlog: 1024 }, () => {
      server.off("error", onError);
      resolve();
    });
  });
}

/**
 * Stops accepting, lets connections finish what they are doing, and after `graceMs` cuts the rest.
 * Idle keep-alive connections are closed at once (an HTTP server's `closeIdleConnections`).
 */
export function closeServer(server: NetServer, connections: ConnectionCounter, graceMs: number): Promise<void> {
  return new Promise((resolve) => {
    let timer: NodeJS.Timeout | undefined;
    server.close(() => {
      if (timer !== undefined) clearTimeout(timer);
      resolve();
    });
    const http = server as NetServer & { closeIdleConnections?: () => void };
    http.closeIdleConnections?.();
    if (connections.open === 0) return;
    timer = setTimeout(() => {
      for (const s of connections.sockets) s.destroy();
    }, graceMs);
    timer.unref();
  });
}
