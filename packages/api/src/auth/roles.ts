import type { Role } from "@weir/db";

const RANK: Record<Role, number> = { viewer: 0, operator: 1, admin: 2 };

/** viewer < operator < admin; each role may do everything the ones below it may. */
export function roleAtLeast(role: Role, minimum: Role): boolean {
  return RANK[role] >= RANK[minimum];
}

/** The weaker of two roles: a token never outranks the user who holds it. */
export function weakerRole(a: Role, b: Role): Role {
  return RANK[a] <= RANK[b] ? a : b;
}

export const ROLES = ["viewer", "operator", "admin"] as const satisfies readonly Role[];
