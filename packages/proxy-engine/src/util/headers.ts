/**
 * Header names classified once, then looked up by the exact spelling the client sent: a Map hit
 * instead of a `toLowerCase()` per header per request. Spellings are few in practice (clients are
 * consistent), and the cache is bounded so a client inventing spellings cannot grow it.
 */
export const H_OTHER = 0;
/** Hop-by-hop (RFC 9110 §7.6.1) and Proxy-*: never forwarded. */
export const H_HOP = 1;
export const H_CONNECTION = 2;
export const H_HOST = 3;
export const H_XFF = 4;
export const H_XFP = 5;
export const H_XFH = 6;
export const H_REQUEST_ID = 7;
export const H_CONTENT_LENGTH = 8;
export const H_TRANSFER_ENCODING = 9;
export const H_UPGRADE = 10;
export const H_COOKIE = 11;
/** Expect: answered by the proxy itself (100 Continue), never forwarded. */
export const H_EXPECT = 12;
/** Date: forwarded; noted so that an answer without one gets the proxy's. */
export const H_DATE = 13;

const known: Record<string, number> = {
  connection: H_CONNECTION,
  "keep-alive": H_HOP,
  te: H_HOP,
  trailer: H_HOP,
  "transfer-encoding": H_TRANSFER_ENCODING,
  upgrade: H_UPGRADE,
  // The proxy answers Expect: 100-continue itself, the backend must not see it again.
  expect: H_EXPECT,
  date: H_DATE,
  host: H_HOST,
  "x-forwarded-for": H_XFF,
  "x-forwarded-proto": H_XFP,
  "x-forwarded-host": H_XFH,
  "x-request-id": H_REQUEST_ID,
  "content-length": H_CONTENT_LENGTH,
  cookie: H_COOKIE,
};

export function classifyLower(lower: string): number {
  const k = known[lower];
  if (k !== undefined) return k;
  if (lower.startsWith("proxy-")) return H_HOP;
  // CGI-style backends (WSGI, Rack, PHP) read `Transfer_Encoding` as `HTTP_TRANSFER_ENCODING`, the
  // same variable as `Transfer-Encoding`: forwarded, an underscore spelling of a header the proxy
  // frames or sets would reframe the body behind its back, or spoof X-Forwarded-*. Not forwarded,
  // like NGINX's `underscores_in_headers off` (which drops every underscore name). Classified
  // once per spelling (the cache), so this costs nothing per request.
  if (lower.includes("_")) {
    const dashed = lower.replaceAll("_", "-");
    if (known[dashed] !== undefined || dashed.startsWith("proxy-")) return H_HOP;
  }
  return H_OTHER;
}

const cache = new Map<string, number>();
const CACHE_MAX = 4096;

export function classifyHeader(name: string): number {
  let c = cache.get(name);
  if (c === undefined) {
    c = classifyLower(name.toLowerCase());
    if (cache.size < CACHE_MAX) cache.set(name, c);
  }
  return c;
}

/** Case-insensitive compare against an already lowercase name, without allocating. */
export function eqLower(name: string, lower: string): boolean {
  if (name.length !== lower.length) return false;
  for (let i = 0; i < name.length; i++) {
    let c = name.charCodeAt(i);
    if (c >= 65 && c <= 90) c |= 0x20;
    if (c !== lower.charCodeAt(i)) return false;
  }
  return true;
}

/** First value of a header in Node's flat `rawHeaders`, by lowercase name. O(headers), no allocation. */
export function findRawHeader(raw: readonly string[], lower: string): string | undefined {
  for (let i = 0; i < raw.length; i += 2) {
    if (eqLower(raw[i] as string, lower)) return raw[i + 1];
  }
  return undefined;
}

/** Value of one cookie in a Cookie header; `undefined` when absent. */
export function findCookie(header: string | undefined, name: string): string | undefined {
  if (header === undefined) return undefined;
  let start = 0;
  while (start < header.length) {
    let end = header.indexOf(";", start);
    if (end === -1) end = header.length;
    let i = start;
    while (i < end && header.charCodeAt(i) === 32) i++;
    if (header.startsWith(name, i) && header.charCodeAt(i + name.length) === 61 /* = */) {
      return header.slice(i + name.length + 1, end).trim();
    }
    start = end + 1;
  }
  return undefined;
}

const NO_TOKENS: readonly string[] = Object.freeze([]);

/**
 * Lowercase tokens of a Connection header other than close/keep-alive/upgrade: headers it makes
 * hop-by-hop. The values nearly every message carries (`keep-alive`, `close`) allocate nothing.
 */
export function connectionTokens(value: string): readonly string[] {
  if (eqLower(value, "keep-alive") || eqLower(value, "close")) return NO_TOKENS;
  const out: string[] = [];
  for (const part of value.split(",")) {
    const t = part.trim().toLowerCase();
    if (t !== "" && t !== "close" && t !== "keep-alive" && t !== "upgrade") out.push(t);
  }
  return out;
}

/** `::ffff:10.0.0.1` → `10.0.0.1`: what logs, X-Forwarded-For and hash keys should carry. */
export function normalizeIp(address: string | undefined): string {
  if (address === undefined) return "";
  return address.startsWith("::ffff:") ? address.slice(7) : address;
}
