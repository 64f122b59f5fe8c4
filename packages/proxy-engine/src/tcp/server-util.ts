import type { Server as NetServer, Socket } from "node:net";

const kCounter = Symbol("weir.connections");

/** Open and accepted client connections of one listener; also what a graceful close waits for. */
export class ConnectionCounter {
  open = 0;
  accepted = 0;
  readonly sockets = new Set<Socket>();

  track(socket: Socket): void {
    this.open++;
    this.accepted++;
    this.sockets.add(socket);
    (socket as Socket & { [kCounter]?: ConnectionCounter })[kCounter] = this;
    socket.once("close", onSocketClose);
  }
}

function onSocketClose(this: Socket & { [kCounter]?: ConnectionCounter }): void {
  const c = this[kCounter];
  if (c === undefined) return;
  c.open--;
  c.sockets.delete(this);
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
