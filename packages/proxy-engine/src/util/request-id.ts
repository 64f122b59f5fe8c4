import { randomBytes } from "node:crypto";

/**
 * Request ids unique across processes and restarts without a random draw per request: a random
 * per-process prefix and a counter. `<12 hex>-<base36 counter>`.
 */
const prefix = randomBytes(6).toString("hex");
let counter = 0;

export function nextRequestId(): string {
  counter = (counter + 1) % Number.MAX_SAFE_INTEGER;
  return `${prefix}-${counter.toString(36)}`;
}

/** A client-supplied id is kept when it is short and printable; otherwise a new one is made. */
export function acceptableRequestId(value: string): boolean {
  if (value.length === 0 || value.length > 200) return false;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x21 || c > 0x7e) return false;
  }
  return true;
}
