import { Transform, type TransformCallback } from "node:stream";

export class BodyTooLargeError extends Error {
  readonly code = "WEIR_E_BODY_TOO_LARGE";
  constructor(limit: number) {
    super(`request body exceeds ${limit} bytes`);
  }
}

/**
 * Counts a chunked request body on its way to the backend and fails it past the limit. Only used
 * when the client did not send Content-Length (with a length the check happens before a byte is
 * read, and Node's parser enforces the length).
 */
export class BodyLimit extends Transform {
  private seen = 0;
  constructor(private readonly limit: number) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.seen += chunk.length;
    if (this.seen > this.limit) callback(new BodyTooLargeError(this.limit));
    else callback(null, chunk);
  }
}
