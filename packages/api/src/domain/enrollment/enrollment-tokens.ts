import type { enrollmentTokenSchema } from "@weir/config/api";
import type { Db } from "@weir/db";
import type { z } from "zod";
import type { Actor } from "../../auth/actor";
import { generateSecret, hashSecret, secretPrefix } from "../../auth/secrets";
import { apiError } from "../../errors";
import { TOKEN_REVOKED_CHANNEL } from "../../hub/types";
import { recordAudit } from "../audit/record-audit";

type EnrollmentToken = z.infer<typeof enrollmentTokenSchema>;
const DAY_MS = 24 * 3600_000;

export async function listEnrollmentTokens({ db }: { db: Db }): Promise<EnrollmentToken[]> {
  const tokens = await db.agentEnrollmentToken.findMany({
    include: { createdBy: { select: { email: true } }, _count: { select: { agents: true } } },
    orderBy: { createdAt: "desc" },
  });
  return tokens.map((token) => ({
    id: token.id,
    name: token.name,
    prefix: token.prefix,
    createdBy: token.createdBy?.email ?? null,
    lastUsedAt: token.lastUsedAt?.toISOString() ?? null,
    expiresAt: token.expiresAt?.toISOString() ?? null,
    revokedAt: token.revokedAt?.toISOString() ?? null,
    createdAt: token.createdAt.toISOString(),
    agents: token._count.agents,
  }));
}

/** A token agents present to join (`weir-agent --token …`). Shown once, stored hashed. */
export async function createEnrollmentToken(options: {
  db: Db;
  actor: Actor;
  ip?: string;
  input: { name: string; expiresInDays?: number | undefined };
}): Promise<{ id: string; token: string; prefix: string }> {
  const token = generateSecret("agt");
  return options.db.$transaction(async (tx) => {
    const row = await tx.agentEnrollmentToken.create({
      data: {
        name: options.input.name,
        prefix: secretPrefix(token),
        tokenHash: hashSecret(token),
        createdById: options.actor.userId,
        expiresAt:
          options.input.expiresInDays === undefined
            ? null
            : new Date(Date.now() + options.input.expiresInDays * DAY_MS),
      },
    });
    await recordAudit(tx, {
      actor: options.actor,
      action: "enrollment_token.create",
      targetType: "enrollment_token",
      targetId: row.id,
      after: { name: row.name, prefix: row.prefix, expiresAt: row.expiresAt },
      ip: options.ip,
    });
    return { id: row.id, token, prefix: row.prefix };
  });
}

/** Revoking refuses new connections with this token; the hub also drops agents that used it. */
export async function revokeEnrollmentToken(options: { db: Db; actor: Actor; id: string; ip?: string }): Promise<void> {
  await options.db.$transaction(async (tx) => {
    const token = await tx.agentEnrollmentToken.findUnique({ where: { id: options.id } });
    if (!token) throw apiError("WEIR_E_NOT_FOUND", `No enrollment token with id ${options.id}.`, { field: "id" });
    if (token.revokedAt) return;
    const revoked = await tx.agentEnrollmentToken.update({
      where: { id: options.id },
      data: { revokedAt: new Date(), version: { increment: 1 } },
    });
    await recordAudit(tx, {
      actor: options.actor,
      action: "enrollment_token.revoke",
      targetType: "enrollment_token",
      targetId: token.id,
      before: { name: token.name, revokedAt: null },
      after: { name: token.name, revokedAt: revoked.revokedAt },
      ip: options.ip,
    });
    // Every control-plane replica's hub disconnects the agents that joined with it, at commit.
    await tx.$executeRaw`SELECT pg_notify(${TOKEN_REVOKED_CHANNEL}, ${token.id})`;
  });
}
