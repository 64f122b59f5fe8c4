import { createHash, randomBytes } from "node:crypto";

/**
 * Bearer secrets: 32 random bytes behind a readable prefix that says what the secret is
 * (`weir_pat_` API token, `weir_agt_` agent enrollment token, `weir_ses_` browser session).
 * They carry 256 bits of entropy, so a single SHA-256 is the right hash at rest (a slow password
 * hash would only slow every request); passwords, which people choose, get Argon2id instead.
 */
export type SecretKind = "pat" | "agt" | "ses";

export function generateSecret(kind: SecretKind): string {
  return `weir_${kind}_${randomBytes(32).toString("base64url")}`;
}

export function hashSecret(secret: string): string {
  return createHash("sha256").update(secret).digest("hex");
}

/** Enough of a secret to tell it apart in a list, never enough to use it. */
export function secretPrefix(secret: string): string {
  return secret.slice(0, 13);
}
