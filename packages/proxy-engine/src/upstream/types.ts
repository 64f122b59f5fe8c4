import type { Readable } from "node:stream";
import type { Now } from "../util/clock";

/** One request to a backend, as the exchange hands it over (the exchange object itself). */
export interface UpstreamRequest {
  readonly method: string;
  readonly path: string;
  /**
   * Flat `[name, value, …]`, hop-by-hop headers already removed. Carries the Content-Length
   * matching `bodyLength` (the exchange writes it), never Transfer-Encoding: a chunked body
   * (`bodyLength` -1) is framed by the upstream.
   */
  readonly headers: readonly string[];
  /** Request body, streamed with backpressure; `null` for none. */
  readonly body: Readable | null;
  /** Body length from Content-Length; -1 when the body is chunked (re-framed upstream). */
  readonly bodyLength: number;
  /** No Host header in `headers` (HTTP/1.0 client): the upstream adds the backend's. */
  readonly needsHost: boolean;
  readonly headersTimeout: number;
  readonly bodyTimeout: number;
}

/**
 * What the upstream calls back, in order: `onConnect` once the request is on a connection (from
 * then on a failure is a reset, not a connect failure), `onHeaders`, `onData`*, then exactly one of
 * `onComplete` or `onError`. `onHeaders`/`onData` return false to pause the backend's socket until
 * `resume` is called.
 */
export interface UpstreamHandler {
  onConnect(abort: (err?: Error) => void): void;
  onHeaders(statusCode: number, headers: string[], resume: () => void): boolean;
  onData(chunk: Buffer): boolean;
  onComplete(): void;
  onError(err: Error & { code?: string }): void;
}

/** Keep-alive connections to one backend. */
export interface Upstream {
  dispatch(request: UpstreamRequest, handler: UpstreamHandler): void;
  /** Stops taking requests; resolves once the ones in flight and queued have finished. */
  close(): Promise<void>;
  destroy(): Promise<void>;
}

export interface UpstreamOptions {
  readonly host: string;
  readonly port: number;
  readonly authority: string;
  readonly maxConnections: number;
  readonly connectTimeoutMs: number;
  /** The engine's clock (ms): deadlines and keep-alive idleness are counted on it. */
  readonly now: Now;
  readonly onConnectionOpened: () => void;
  readonly onConnectionClosed: () => void;
}

/** Error codes an upstream reports; the exchange maps them to answers. */
export const UPSTREAM_CONNECT_TIMEOUT = "WEIR_UPSTREAM_CONNECT_TIMEOUT";
export const UPSTREAM_HEADERS_TIMEOUT = "WEIR_UPSTREAM_HEADERS_TIMEOUT";
export const UPSTREAM_BODY_TIMEOUT = "WEIR_UPSTREAM_BODY_TIMEOUT";
export const UPSTREAM_CLOSED = "WEIR_UPSTREAM_CLOSED";

export function upstreamError(code: string, message: string): Error & { code: string } {
  return Object.assign(new Error(message), { code });
}
