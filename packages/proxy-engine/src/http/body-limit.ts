/**
 * A chunked request body grew past the listener's `maxBodyBytes` (a Content-Length over it is
 * refused before a byte is read). The client connection counts the body as llhttp parses it and
 * fails the body stream with this; the upstream reports it back and the exchange answers 413.
 */
export class BodyTooLargeError extends Error {
  readonly code = "WEIR_E_BODY_TOO_LARGE";
  constructor(limit: number) {
    super(`request body exceeds ${limit} bytes`);
  }
}
