import { eqLower } from "../util/headers";

/**
 * Characters of a reg-name (RFC 3986 §3.2.2): unreserved and sub-delims; `%` is checked apart
 * (it must start a pct-encoding). A lookup table, so checking a Host costs one load per character.
 */
const REG_NAME = new Uint8Array(128);
for (const c of "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~!$&'()*+,;=") {
  REG_NAME[c.charCodeAt(0)] = 1;
}

function isHex(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
}

/**
 * Whether a Host value (or an absolute-form authority) is `uri-host [ ":" port ]` (RFC 9112 §3.2,
 * RFC 3986 §3.2.2): a reg-name, IPv4 address or bracketed IP literal, then digits. Refuses what a
 * router and a backend could read differently: spaces, `/`, `@` (userinfo), `?`, `#`, controls,
 * non-ASCII. The empty value is valid (RFC 9112 §3.2: a target without authority). O(length), no
 * allocation.
 */
export function validHost(v: string): boolean {
  const n = v.length;
  let i = 0;
  const literal = n > 0 && v.charCodeAt(0) === 91; /* [ */
  if (literal) i = 1;
  for (; i < n; i++) {
    const c = v.charCodeAt(i);
    if (c < 128 && REG_NAME[c] === 1) continue;
    if (c === 37 /* % */) {
      if (i + 2 >= n || !isHex(v.charCodeAt(i + 1)) || !isHex(v.charCodeAt(i + 2))) return false;
      i += 2;
      continue;
    }
    if (literal && c === 58 /* : */) continue;
    if (literal && c === 93 /* ] */) {
      if (i === 1) return false;
      i++;
      break;
    }
    if (!literal && c === 58) break;
    return false;
  }
  if (literal && v.charCodeAt(i - 1) !== 93) return false;
  if (i === n) return true;
  if (v.charCodeAt(i) !== 58) return false;
  for (i++; i < n; i++) {
    const c = v.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/** An absolute-form request-target, split: what to route by and what to forward. */
export interface AbsoluteTarget {
  /** `host[:port]` as the client wrote it: the request's Host from here on. */
  readonly authority: string;
  /** Origin-form (`/p?q`), what the backend gets. */
  readonly path: string;
}

/**
 * `http://example.com:8080/p?q` → `{ authority: "example.com:8080", path: "/p?q" }` (RFC 9112
 * §3.2.2: the target's authority replaces Host; a proxy forwards origin-form to an origin).
 * `undefined` when the scheme is not http(s), the host is empty or invalid, or there is userinfo
 * (`validHost` refuses `@`). Allocates; only requests in absolute-form come here.
 */
export function splitAbsoluteTarget(url: string): AbsoluteTarget | undefined {
  const sep = url.indexOf("://");
  if (sep === -1) return undefined;
  const scheme = url.slice(0, sep);
  if (!eqLower(scheme, "http") && !eqLower(scheme, "https")) return undefined;
  const start = sep + 3;
  let end = start;
  while (end < url.length) {
    const c = url.charCodeAt(end);
    if (c === 47 /* / */ || c === 63 /* ? */ || c === 35 /* # */) break;
    end++;
  }
  const authority = url.slice(start, end);
  // RFC 9110 §4.2.1: an http URI with an empty host is invalid.
  if (authority === "" || authority.charCodeAt(0) === 58 || !validHost(authority)) return undefined;
  const rest = url.slice(end);
  if (rest === "") return { authority, path: "/" };
  const first = rest.charCodeAt(0);
  if (first === 47) return { authority, path: rest };
  if (first === 63) return { authority, path: `/${rest}` };
  return undefined;
}
