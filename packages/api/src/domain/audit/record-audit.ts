import type { Prisma } from "@weir/db";
import type { Actor } from "../../auth/actor";

/** A database client or an open transaction: audit events join the change's transaction. */
export type Tx = Prisma.TransactionClient;

export interface AuditEntry {
  actor: Actor | "system";
  /** Dotted verb: "pool.update", "backend.drain", "user.create", "auth.sign_in"... */
  action: string;
  targetType: string;
  targetId?: string | null;
  before?: unknown;
  after?: unknown;
  configVersion?: number | null;
  ip?: string | undefined;
  requestId?: string | undefined;
}

/** Appends one audit event. Callers pass rows without secrets (hashes never reach the log). */
export async function recordAudit(tx: Tx, entry: AuditEntry): Promise<void> {
  const actor = entry.actor;
  await tx.auditEvent.create({
    data: {
      actorType: actor === "system" ? "system" : actor.type,
      actorId: actor === "system" ? null : actor.type === "api_token" ? actor.tokenId : actor.userId,
      actorName:
        actor === "system"
          ? "system"
          : actor.type === "api_token"
            ? `${actor.email} (token ${actor.tokenName})`
            : actor.email,
      action: entry.action,
      targetType: entry.targetType,
      targetId: entry.targetId ?? null,
      before: toJson(entry.before),
      after: toJson(entry.after),
      configVersion: entry.configVersion ?? null,
      ip: entry.ip ?? null,
      requestId: entry.requestId ?? null,
    },
  });
}

/** Dates become ISO strings, undefined becomes absent: what JSONB can hold. */
function toJson(value: unknown): Prisma.InputJsonValue | undefined {
  if (value === undefined || value === null) return undefined;
  return JSON.parse(JSON.stringify(value)) as Prisma.InputJsonValue;
}
