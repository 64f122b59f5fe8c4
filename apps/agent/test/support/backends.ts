import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Agent, request } from "undici";

export interface NamedBackend {
  name: string;
  port: number;
  server: Server;
  close(): Promise<void>;
}

/**
 * A backend answering its own name on every path (and 200 on /healthz). With `failEvery: 10`,
 * every tenth request is answered 500 (deterministically 10%).
 */
export async function startNamedBackend(
  name: string,
  port = 0,
  options: { failEvery?: number } = {},
): Promise<NamedBackend> {
  let served = 0;
  const server = createServer((req, res) => {
    req.resume();
    const fail = options.failEvery !== undefined && req.url !== "/healthz" && ++served % options.failEvery === 0;
    res.writeHead(fail ? 500 : 200, { "content-type": "text/plain", "x-backend": name });
    res.end(name);
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  return {
    name,
    port: (server.address() as AddressInfo).port,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Sends `n` GETs to a port and counts the answers by body; non-200 answers count under their status. */
export async function countAnswers(port: number, n: number, concurrency = 8): Promise<Record<string, number>> {
  const dispatcher = new Agent({ connections: concurrency });
  const counts: Record<string, number> = {};
  let sent = 0;
  try {
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (sent < n) {
          sent++;
          try {
            const res = await request(`http://127.0.0.1:${port}/`, { dispatcher });
            const body = await res.body.text();
            const key = res.statusCode === 200 ? body : `status ${res.statusCode}`;
            counts[key] = (counts[key] ?? 0) + 1;
          } catch (error) {
            const key = `error ${(error as { code?: string }).code ?? (error as Error).message}`;
            counts[key] = (counts[key] ?? 0) + 1;
          }
        }
      }),
    );
  } finally {
    await dispatcher.close();
  }
  return counts;
}
