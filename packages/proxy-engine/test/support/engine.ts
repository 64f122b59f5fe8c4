import { connect } from "node:net";
import { createEngine, type Engine, type EngineOptions } from "../../src";
import type { Cleanup } from "./backends";
import { TestClient } from "./client";

export async function startEngine(
  cleanup: Cleanup,
  config: unknown,
  options: EngineOptions = {},
): Promise<{ engine: Engine; port: number; client: TestClient }> {
  const engine = createEngine({
    drainTimeoutMs: 2_000,
    upstream: process.env.WEIR_TEST_UPSTREAM === "undici" ? "undici" : "native",
    ...options,
  });
  cleanup.add(() => engine.close());
  await engine.apply(config);
  const client = new TestClient();
  cleanup.add(() => client.close());
  return { engine, port: engine.port("web"), client };
}

/** Sends raw bytes and resolves with everything the server sent until it closed (or `waitMs` passed). */
export function rawExchange(port: number, payload: string | Buffer, waitMs = 2_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1");
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => socket.destroy(), waitMs);
    socket.on("connect", () => socket.write(payload));
    socket.on("data", (c) => chunks.push(c));
    socket.on("error", reject);
    socket.on("close", () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks).toString("latin1"));
    });
  });
}

/** One raw keep-alive connection: proves a listener kept its connections across a swap. */
export class RawConnection {
  private readonly socket;
  private buffered = "";
  private waiter: (() => void) | undefined;
  constructor(port: number) {
    this.socket = connect(port, "127.0.0.1");
    this.socket.on("data", (c) => {
      this.buffered += c.toString("latin1");
      this.waiter?.();
    });
  }

  /** Sends one GET and resolves with the response's status line once a full response arrived. */
  async get(path: string): Promise<string> {
    this.buffered = "";
    this.socket.write(`GET ${path} HTTP/1.1\r\nHost: test\r\n\r\n`);
    for (;;) {
      const head = this.buffered.indexOf("\r\n\r\n");
      if (head !== -1) {
        const length = Number(/content-length: (\d+)/i.exec(this.buffered)?.[1] ?? 0);
        if (this.buffered.length >= head + 4 + length) return this.buffered.slice(0, this.buffered.indexOf("\r\n"));
      }
      if (this.socket.destroyed) throw new Error("connection closed");
      await new Promise<void>((r) => {
        this.waiter = r;
        setTimeout(r, 50);
      });
    }
  }

  close(): void {
    this.socket.destroy();
  }
}
