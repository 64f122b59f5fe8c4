import { type Dispatcher, Pool } from "undici";
import type { Upstream, UpstreamHandler, UpstreamOptions, UpstreamRequest } from "./types";

/**
 * The same upstream contract on undici's `Pool.dispatch`: kept to compare against the native one
 * (`createEngine({ upstream: "undici" })`, `WEIR_BENCH_UPSTREAM=undici` in the benchmark). It costs
 * an adapter object per request and converts every response header from a Buffer.
 */
export class UndiciUpstream implements Upstream {
  private readonly pool: Pool;

  constructor(options: UpstreamOptions) {
    this.pool = new Pool(`http://${options.authority}`, {
      connections: options.maxConnections,
      pipelining: 1,
      connectTimeout: options.connectTimeoutMs,
      keepAliveTimeout: 4_000,
      strictContentLength: true,
    });
    this.pool.on("connect", options.onConnectionOpened);
    this.pool.on("disconnect", options.onConnectionClosed);
  }

  dispatch(request: UpstreamRequest, handler: UpstreamHandler): void {
    const headers = request.needsHost ? [...request.headers] : (request.headers as string[]);
    this.pool.dispatch(
      {
        method: request.method as Dispatcher.HttpMethod,
        path: request.path,
        headers,
        body: request.body,
        headersTimeout: request.headersTimeout,
        bodyTimeout: request.bodyTimeout,
      },
      new Adapter(handler),
    );
  }

  close(): Promise<void> {
    return this.pool.close();
  }

  destroy(): Promise<void> {
    return this.pool.destroy();
  }
}

class Adapter implements Dispatcher.DispatchHandler {
  constructor(private readonly handler: UpstreamHandler) {}
  onConnect(abort: (err?: Error) => void): void {
    this.handler.onConnect(abort);
  }
  onHeaders(statusCode: number, raw: Buffer[], resume: () => void): boolean {
    const headers = new Array<string>(raw.length);
    for (let i = 0; i < raw.length; i++) headers[i] = (raw[i] as Buffer).toString("latin1");
    return this.handler.onHeaders(statusCode, headers, resume);
  }
  onData(chunk: Buffer): boolean {
    return this.handler.onData(chunk);
  }
  onComplete(): void {
    this.handler.onComplete();
  }
  onError(err: Error): void {
    this.handler.onError(err);
  }
}
