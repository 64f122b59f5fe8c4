import type { Db } from "@weir/db";
import type { Actor } from "./actor";
import { weakerRole } from "./roles";
import { hashSecret } from "./secrets";

/** lastUsedAt is written at most once a minute per token, not on every request. */
const LAST_USED_RESOLUTION_MS = 60_000;

/**
 * The actor behind `Authorization: Bearer weir_pat_…`, or undefined when the token is unknown,
 * revoked, expired, or its owner is disabled. Its role is the weaker of the token's and the
 * owner's current role, so demoting a user demotes their tokens at once.
 */
export async function resolveApiToken(options: { db: Db; token: string; now?: Date }): Promise<Actor | undefined> {
  const now = options.now ?? new Date();
  const token = await options.db.apiToken.findUnique({
    where: { tokenHash: hashSecret(options.token) },
    include: { user: true },
  });
  if (!token || token.revokedAt || (token.expiresAt && token.expiresAt <= now) || token.user.disabled) {
    return undefined;
  }
  if (!token.lastUsedAt || now.getTime() - token.lastUsedAt.getTime() > LAST_USED_RESOLUTION_MS) {
    await options.db.apiToken.update({ where: { id: token.id }, data: { lastUsedAt: now } });
  }
  return {
    type: "api_token",
    userId: token.user.id,
    email: token.user.email,
    name: token.user.name,
    role: weakerRole(token.role, token.user.role),
    tokenId: token.id,
    tokenName: token.name,
  };
}
