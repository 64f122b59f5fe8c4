import type { User } from "@weir/config/api";
import type { User as UserRow } from "@weir/db";

/** The user as the API shows it: never the password hash. */
export function toUserDto(user: UserRow): User {
  return {
    id: user.id,
    email: user.email,
    name: user.name,
    role: user.role,
    disabled: user.disabled,
    lastLoginAt: user.lastLoginAt?.toISOString() ?? null,
    version: user.version,
    createdAt: user.createdAt.toISOString(),
  };
}
