import type { ApiToken } from "@weir/config/api";
import type { Db } from "@weir/db";
import type { Actor } from "../../auth/actor";
import { apiError } from "../../errors";
import { recordAudit } from "../audit/record-audit";
import { toApiTokenDto } from "./token-dto";

/** Revoke one's own token, or as admin anyone's. Idempotent: revoking twice keeps the first time. */
export async function revokeApiToken(options: { db: Db; actor: Actor; id: string; ip?: string }): Promise<ApiToken> {
  const { db, actor, id } = options;
  return db.$transaction(async (tx) => {
    const token = await tx.apiToken.findUnique({ where: { id }, include: { user: { select: { email: true } } } });
    if (!token || (actor.role !== "admin" && token.userId !== actor.userId)) {
      throw apiError("WEIR_E_NOT_FOUND", `No API token with id ${id}.`, { field: "id" });
    }
    if (token.revokedAt) return toApiTokenDto(token);
    const revoked = await tx.apiToken.update({
      where: { id },
      data: { revokedAt: new Date(), version: { increment: 1 } },
      include: { user: { select: { email: true } } },
    });
    await recordAudit(tx, {
      actor,
      action: "api_token.revoke",
      targetType: "api_token",
      targetId: id,
      before: { name: token.name, prefix: token.prefix, revokedAt: null },
      after: { name: token.name, prefix: token.prefix, revokedAt: revoked.revokedAt },
      ip: options.ip,
    });
    return toApiTokenDto(revoked);
  });
}
