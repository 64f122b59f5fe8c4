import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { WebSocketServer } from "ws";
import type { TestBackend } from "./backends";

/** A WebSocket echo server that prefixes its name and reports the handshake headers it saw. */
export async function startEchoServer(
  name: string,
): Promise<TestBackend & { handshakes: Record<string, string | string[] | undefined>[] }> {
  const server = createServer((req, res) => {
    req.resume();
    res.end(name);
  });
  const wss = new WebSocketServer({ server });
  const handshakes: Record<string, string | string[] | undefined>[] = [];
  wss.on("connection", (ws, req) => {
    handshakes.push(req.headers);
    ws.on("message", (data, isBinary) => ws.send(isBinary ? data : `${name}:${data.toString()}`, { binary: isBinary }));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as AddressInfo).port;
  return {
    name,
    port,
    server,
    handshakes,
    connections: 0,
    requests: 0,
    sockets: new Set(),
    lastHeaders: {},
    close: () =>
      new Promise<void>((r) => {
        for (const c of wss.clients) c.terminate();
        wss.close();
        server.close(() => r());
        server.closeAllConnections();
      }),
    kill: async () => {},
  };
}
