import { createHmac, randomBytes } from "node:crypto";
import type { StickyKey } from "@weir/config";

/**
 * Sticky-session cookie values: opaque, signed, and cheap to check.
 *
 * A backend's value is `<key id>.<first 22 characters of base64url(HMAC-SHA256(secret, pool "\n"
 * backend id))>` (132 bits): it names neither the backend nor its address, a client cannot make
 * one that routes anywhere, and checking one is a map lookup, since every value of every backend
 * of a pool is computed once per config. The first key signs; every key is accepted, so a rotation
 * that keeps the previous key for a while moves no client. A value no key made (forged, stale, from
 * another fleet) is ignored: the request is balanced as if it had none, and gets a fresh cookie.
 */
export class StickySigner {
  /** The keys in force: the control plane's fleet-wide set, else one this engine made at start. */
  constructor(readonly keys: readonly StickyKey[]) {}

  static ephemeral(): StickySigner {
    return new StickySigner([{ id: "local", secret: randomBytes(32).toString("base64url") }]);
  }

  value(key: StickyKey, pool: string, backendId: string): string {
    const mac = createHmac("sha256", key.secret).update(`${pool}\n${backendId}`).digest("base64url");
    return `${key.id}.${mac.slice(0, 22)}`;
  }
}
