import { hash, verify } from "@node-rs/argon2";

/**
 * Argon2id with the OWASP-recommended minimum (19 MiB, 2 passes, 1 lane). @node-rs/argon2 ships
 * prebuilt binaries inside its npm packages, so it installs offline with no build step.
 */
const OPTIONS = { memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export function hashPassword(password: string): Promise<string> {
  return hash(password, OPTIONS);
}

export function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  return verify(passwordHash, password).catch(() => false);
}
