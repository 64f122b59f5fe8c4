import type { Db, Role } from "@weir/db";
import type { Actor } from "../../auth/actor";
import { roleAtLeast } from "../../auth/roles";
import { generateSecret, hashSecret, secretPrefix } from "../../auth/secrets";
import { apiError } from "../../errors";
import { recordAudit } from "../audit/record-audit";

const DAY_MS = 24 * 3600_000;

/** A new token for the calling user, with a role no higher than theirs. Returned once, stored hashed. */
export async function createApiToken(options: {
  db: Db;
  actor: Actor;
  ip?: string;
  input: { name: string; role: Role; expiresInDays?: number | undefined };
  now?: Date;
}): Promise<{ id: string; token: string; prefix: string }> {
  const { db, actor, input } = options;
  if (!roleAtLeast(actor.role, input.role)) {
    throw apiError("WEIR_E_FORBIDDEN", `A token's role can be at most your own (${actor.role}).`, { field: "role" });
  }
  const token = generateSecret("pat");
  const now = options.now ?? new Date();
  return db.$transaction(async (tx) => {
    const row = await tx.apiToken.create({
      data: {
        name: input.name,
        prefix: secretPrefix(token),
        tokenHash: hashSecret(token),
        role: input.role,
        userId: actor.userId,
        expiresAt: input.expiresInDays === undefined ? null : new Date(now.getTime() + input.expiresInDays * DAY_MS),
      },
    });
    await recordAudit(tx, {
      actor,
      action: "api_token.create",
      targetType: "api_token",
      targetId: row.id,
      after: { name: row.name, prefix: row.prefix, role: row.role, expiresAt: row.expiresAt },
      ip: options.ip,
    });
    return { id: row.id, token, prefix: row.prefix };
  });
}
