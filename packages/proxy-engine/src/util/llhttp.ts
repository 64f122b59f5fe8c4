// Node's own HTTP/1.1 parser (llhttp compiled to native code), as its http client and server use it.
// @ts-expect-error: `_http_common` is Node's internal-but-public module; it has no type declarations.
import common from "node:_http_common";

/**
 * The native parser object. `consume(handle)` makes it the socket handle's stream listener: bytes
 * go from libuv to llhttp in C++ with no JS `data` event, callbacks fire with strings and Buffers,
 * and `kOnExecute` reports what each read parsed (a byte count, or the parse error).
 */
export interface NativeParser {
  initialize(type: number, resource: object, maxHeaderSize: number, lenient: number): void;
  consume(handle: unknown): void;
  unconsume(): void;
  execute(data: Buffer): number | Error;
  finish(): Error | undefined;
  getCurrentBuffer(): Buffer;
  close(): void;
  free(): void;
  [key: number]: unknown;
}

export const HTTPParser = (
  common as { HTTPParser: { new (): NativeParser; REQUEST: number; RESPONSE: number; [k: string]: number } }
).HTTPParser;
export const kOnHeaders = HTTPParser.kOnHeaders as number;
export const kOnHeadersComplete = HTTPParser.kOnHeadersComplete as number;
export const kOnBody = HTTPParser.kOnBody as number;
export const kOnMessageComplete = HTTPParser.kOnMessageComplete as number;
export const kOnExecute = HTTPParser.kOnExecute as number;
/** Strict parsing: no lenient flag, so llhttp refuses every framing ambiguity (smuggling). */
export const LENIENT_NONE = 0;
/** Async-hooks resource the parser reports; one shared object, the engine does not use async hooks. */
export const parserResource = {};

/**
 * Request method names by llhttp's method code (what `kOnHeadersComplete` passes). Node exports
 * the HTTP methods in code order from DELETE (0) to SOURCE (33), then QUERY, whose code is 46;
 * PRI (34, the HTTP/2 preface) and the RTSP methods (35–45) are left out, so they map to
 * `undefined` and are refused.
 */
export const METHOD_NAMES: readonly (string | undefined)[] = (() => {
  const names = (common as { methods: readonly string[] }).methods;
  if (names[0] !== "DELETE" || names[1] !== "GET" || names[33] !== "SOURCE")
    throw new Error("unexpected llhttp method table in this Node version");
  const out: (string | undefined)[] = names.slice(0, 34);
  if (names[34] === "QUERY") out[46] = "QUERY";
  return out;
})();

/**
 * Releases a parser no longer used. `close()` deletes the native object, and with it the strong
 * reference that keeps the JS parser (and every callback bound to it) alive; `free()` alone, meant
 * for parsers going back into a pool, releases nothing. Deferred to `setImmediate` so that no
 * parser callback is still on the stack, as Node's own `freeParser` does.
 */
export function releaseParser(parser: NativeParser): void {
  setImmediate(closeParser, parser);
}

function closeParser(parser: NativeParser): void {
  parser.close();
}
