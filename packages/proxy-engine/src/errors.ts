/**
 * Every error the engine reports carries one of these stable codes. A request that fails inside the
 * proxy is answered with the status below and a one-line body naming the code and what happened,
 * so an operator reading `curl` output knows whether the proxy, the backend or the client is at fault.
 */
export const engineErrors = {
  WEIR_E_BAD_REQUEST: { status: 400, message: "malformed request refused (bad framing or header)" },
  WEIR_E_NO_ROUTE: { status: 404, message: "no route matches this request" },
  WEIR_E_REQUEST_TIMEOUT: { status: 408, message: "the client did not send its request in time" },
  WEIR_E_BODY_TOO_LARGE: { status: 413, message: "request body larger than the listener allows" },
  WEIR_E_RATE_LIMITED: { status: 429, message: "rate limit exceeded, retry later" },
  WEIR_E_HEADERS_TOO_LARGE: { status: 431, message: "request headers larger than the listener allows" },
  WEIR_E_NOT_IMPLEMENTED: { status: 501, message: "transfer coding not implemented (only chunked is)" },
  WEIR_E_UPSTREAM_CONNECT: { status: 502, message: "could not connect to a backend" },
  WEIR_E_UPSTREAM_RESET: { status: 502, message: "backend closed the connection or sent an invalid response" },
  WEIR_E_NO_HEALTHY_BACKEND: { status: 503, message: "no healthy backend available" },
  WEIR_E_CIRCUIT_OPEN: { status: 503, message: "every available backend is at its connection or request limit" },
  WEIR_E_CONNECT_TIMEOUT: { status: 504, message: "timed out connecting to a backend" },
  WEIR_E_UPSTREAM_TIMEOUT: { status: 504, message: "backend did not answer in time" },
  WEIR_E_LISTEN_FAILED: { status: 500, message: "a listener could not bind its address; the previous config stays" },
  WEIR_E_ENGINE_CLOSED: { status: 500, message: "the engine is closed" },
} as const satisfies Record<string, { status: number; message: string }>;

export type EngineErrorCode = keyof typeof engineErrors;

export class WeirEngineError extends Error {
  readonly code: EngineErrorCode;
  readonly status: number;
  constructor(code: EngineErrorCode, detail?: string, options?: { cause?: unknown }) {
    super(`${code}: ${detail ?? engineErrors[code].message}`, options);
    this.name = "WeirEngineError";
    this.code = code;
    this.status = engineErrors[code].status;
  }
}

/**
 * Preformatted answers, built once: the error path of a saturated proxy must not allocate more
 * than the success path. Body: `<code>: <message>\n`.
 */
export interface ErrorAnswer {
  readonly status: number;
  readonly body: Buffer;
  /** The body as a latin1 string: it goes out in the same write as the head. */
  readonly text: string;
  readonly contentLength: string;
}

export const errorAnswers: Readonly<Record<EngineErrorCode, ErrorAnswer>> = Object.fromEntries(
  Object.entries(engineErrors).map(([code, { status, message }]) => {
    const text = `${code}: ${message}\n`;
    const body = Buffer.from(text, "latin1");
    return [code, { status, body, text, contentLength: String(body.length) }];
  }),
) as Record<EngineErrorCode, ErrorAnswer>;
