import { type ChildProcess, spawn } from "node:child_process";
import { createServer, request, type Server } from "node:http";
import { createConnection } from "node:net";
import { fileURLToPath } from "node:url";

const repoRoot = fileURLToPath(new URL("../..", import.meta.url));

/** A port nothing listens on now (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** A backend in the test process answering its own name. */
export async function namedBackend(name: string): Promise<{ port: number; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    req.resume();
    res.end(name);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as { port: number }).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A real demo backend process (apps/demo/dist/backend.mjs) that a test can kill and start again. */
export class BackendProcess {
  private child: ChildProcess | undefined;
  constructor(
    readonly port: number,
    readonly version: string,
  ) {}

  async start(): Promise<void> {
    this.child = spawn(
      process.execPath,
      ["apps/demo/dist/backend.mjs", "--host", "127.0.0.1", "--port", String(this.port), "--version", this.version],
      { cwd: repoRoot, stdio: "ignore" },
    );
    for (let i = 0; i < 100; i++) {
      const up = await new Promise<boolean>((resolve) => {
        const s = createConnection(this.port, "127.0.0.1");
        s.once("connect", () => {
          s.destroy();
          resolve(true);
        });
        s.once("error", () => resolve(false));
      });
      if (up) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`backend on ${this.port} did not start`);
  }

  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once("exit", () => resolve());
      child.kill("SIGKILL");
    });
  }
}

/** GET through a listener; resolves with the status and body (errors as status 0). */
export function get(port: number, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve) => {
    const req = request({ host: "127.0.0.1", port, path: "/", headers, agent: false }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (body += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", () => resolve({ status: 0, body: "" }));
    req.end();
  });
}

/** Sends `n` GETs (8 at a time) and counts answers by body, or by status when not 200. */
export async function countAnswers(
  port: number,
  n: number,
  headersFor: (i: number) => Record<string, string> = () => ({}),
  keyOf: (answer: { status: number; body: string }) => string = (a) =>
    a.status === 200 ? a.body : `status ${a.status}`,
): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < n) {
        const i = next++;
        const key = keyOf(await get(port, headersFor(i)));
        counts[key] = (counts[key] ?? 0) + 1;
      }
    }),
  );
  return counts;
}
