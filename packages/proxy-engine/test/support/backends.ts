import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";

export interface TestBackend {
  readonly name: string;
  readonly port: number;
  readonly server: Server;
  /** TCP connections the backend accepted (what "no new connection per request" counts). */
  connections: number;
  requests: number;
  readonly sockets: Set<Socket>;
  /** Last request's headers, for header-rewrite assertions. */
  lastHeaders: IncomingMessage["headers"];
  close(): Promise<void>;
  /** Kills the server and every open connection at once, as a crashed process would. */
  kill(): Promise<void>;
}

export type Handler = (req: IncomingMessage, res: ServerResponse, backend: TestBackend) => void;

/** Answers 200 with its name; `/healthz` answers 200 too. */
export const echoName: Handler = (req, res, backend) => {
  req.resume();
  req.on("end", () => {
    res.writeHead(200, { "content-type": "text/plain", "x-backend": backend.name });
    res.end(backend.name);
  });
};

export async function startBackend(name: string, handler: Handler = echoName, port = 0): Promise<TestBackend> {
  const sockets = new Set<Socket>();
  const backend = {
    name,
    port: 0,
    connections: 0,
    requests: 0,
    sockets,
    lastHeaders: {},
  } as unknown as TestBackend & { port: number; server: Server };
  const server = createServer((req, res) => {
    backend.requests++;
    backend.lastHeaders = req.headers;
    handler(req, res, backend);
  });
  server.keepAliveTimeout = 60_000;
  server.on("connection", (s: Socket) => {
    backend.connections++;
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  backend.server = server;
  backend.port = (server.address() as AddressInfo).port;
  backend.close = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  backend.kill = () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
      server.closeAllConnections();
    });
  return backend;
}

/** Closes everything registered during a test; call from afterEach. */
export class Cleanup {
  private readonly tasks: Array<() => Promise<unknown> | unknown> = [];
  add(task: () => Promise<unknown> | unknown): void {
    this.tasks.push(task);
  }
  async run(): Promise<void> {
    const tasks = this.tasks.splice(0).reverse();
    for (const t of tasks) await t();
  }
}
