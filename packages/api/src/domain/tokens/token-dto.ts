import type { ApiToken } from "@weir/config/api";
import type { ApiToken as ApiTokenRow, User } from "@weir/db";

export function toApiTokenDto(token: ApiTokenRow & { user: Pick<User, "email"> }): ApiToken {
  return {
    id: token.id,
    name: token.name,
    prefix: token.prefix,
    role: token.role,
    userId: token.userId,
    userEmail: token.user.email,
    lastUsedAt: token.lastUsedAt?.toISOString() ?? null,
    expiresAt: token.expiresAt?.toISOString() ?? null,
    revokedAt: token.revokedAt?.toISOString() ?? null,
    createdAt: token.createdAt.toISOString(),
  };
}
