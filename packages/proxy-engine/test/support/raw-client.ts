import { connect, type Socket } from "node:net";

export interface RawResponse {
  status: number;
  /** Lowercase names; a repeated header keeps its last value. */
  headers: Record<string, string>;
  body: string;
}

/**
 * One raw HTTP/1.1 client connection for tests that need control over the bytes: requests split
 * across packets, pipelined, half-closed, malformed. Answers are parsed in order as they arrive
 * (Content-Length, chunked, or close-delimited bodies; 1xx answers are answers too).
 */
export class RawClient {
  readonly socket: Socket;
  private buffered = Buffer.alloc(0);
  private ended = false;
  private readonly closedPromise: Promise<void>;
  private wake: (() => void) | undefined;

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.setNoDelay(true);
    socket.on("data", (c: Buffer) => {
      this.buffered = Buffer.concat([this.buffered, c]);
      this.wake?.();
    });
    socket.on("error", () => {});
    this.closedPromise = new Promise((resolve) =>
      socket.on("close", () => {
        this.ended = true;
        this.wake?.();
        resolve();
      }),
    );
  }

  static open(port: number): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const socket = connect({ port, host: "127.0.0.1" });
      socket.once("connect", () => resolve(new RawClient(socket)));
      socket.once("error", reject);
    });
  }

  write(data: string | Buffer): Promise<void> {
    return new Promise((resolve) => this.socket.write(data, () => resolve()));
  }

  /** Writes `data` in pieces of `size` bytes, one packet each (Nagle is off), `gapMs` apart. */
  async trickle(data: string, size: number, gapMs = 5): Promise<void> {
    for (let i = 0; i < data.length; i += size) {
      await this.write(data.slice(i, i + size));
      await new Promise((r) => setTimeout(r, gapMs));
    }
  }

  /** Everything the server sent that no `response()` consumed, as latin1. */
  get pending(): string {
    return this.buffered.toString("latin1");
  }

  get closed(): boolean {
    return this.ended;
  }

  /** Resolves once the server closed the connection (or `timeoutMs` passed: then false). */
  async waitClosed(timeoutMs = 5_000): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const result = await Promise.race([
      this.closedPromise.then(() => true),
      new Promise<boolean>((r) => {
        timer = setTimeout(() => r(false), timeoutMs);
      }),
    ]);
    clearTimeout(timer);
    return result;
  }

  /** The next complete answer. `head`: it answers a HEAD request (no body whatever its length). */
  async response(options: { head?: boolean; timeoutMs?: number } = {}): Promise<RawResponse> {
    const deadline = Date.now() + (options.timeoutMs ?? 5_000);
    for (;;) {
      const parsed = this.tryParse(options.head === true);
      if (parsed !== undefined) return parsed;
      if (this.ended) throw new Error(`connection closed; unparsed: ${JSON.stringify(this.pending)}`);
      if (Date.now() > deadline) throw new Error(`no complete answer in time; have: ${JSON.stringify(this.pending)}`);
      await new Promise<void>((r) => {
        this.wake = r;
        setTimeout(r, 20);
      });
    }
  }

  private tryParse(head: boolean): RawResponse | undefined {
    const text = this.buffered.toString("latin1");
    const end = text.indexOf("\r\n\r\n");
    if (end === -1) return undefined;
    const lines = text.slice(0, end).split("\r\n");
    const status = Number((lines[0] ?? "").split(" ")[1]);
    const headers: Record<string, string> = {};
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(":");
      headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
    }
    let offset = end + 4;
    let body = "";
    if (head || status < 200 || status === 204 || status === 304) {
      // no body
    } else if (headers["content-length"] !== undefined) {
      const length = Number(headers["content-length"]);
      if (text.length < offset + length) return undefined;
      body = text.slice(offset, offset + length);
      offset += length;
    } else if (headers["transfer-encoding"] === "chunked") {
      for (;;) {
        const lineEnd = text.indexOf("\r\n", offset);
        if (lineEnd === -1) return undefined;
        const size = Number.parseInt(text.slice(offset, lineEnd), 16);
        if (text.length < lineEnd + 2 + size + 2) return undefined;
        body += text.slice(lineEnd + 2, lineEnd + 2 + size);
        offset = lineEnd + 2 + size + 2;
        if (size === 0) break;
      }
    } else {
      if (!this.ended) return undefined;
      body = text.slice(offset);
      offset = text.length;
    }
    this.buffered = this.buffered.subarray(offset);
    return { status, headers, body };
  }

  end(): void {
    this.socket.end();
  }

  destroy(): void {
    this.socket.destroy();
  }
}
