import type { AuditEventDto } from "@weir/config/api";
import type { Db, Prisma } from "@weir/db";
import { apiError } from "../../errors";

/** Newest first, filtered; `cursor` is the id to continue below. */
export async function listAudit(options: {
  db: Db;
  limit: number;
  cursor?: string | undefined;
  actor?: string | undefined;
  targetType?: string | undefined;
  targetId?: string | undefined;
  action?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
}): Promise<{ items: AuditEventDto[]; nextCursor: string | null }> {
  let below: bigint | undefined;
  if (options.cursor !== undefined) {
    if (!/^\d{1,18}$/.test(options.cursor))
      throw apiError("WEIR_E_INVALID_INPUT", "cursor: must be a nextCursor value", { field: "cursor" });
    below = BigInt(options.cursor);
  }
  const where: Prisma.AuditEventWhereInput = {
    ...(below !== undefined ? { id: { lt: below } } : {}),
    ...(options.actor ? { actorName: { startsWith: options.actor.toLowerCase() } } : {}),
    ...(options.targetType ? { targetType: options.targetType } : {}),
    ...(options.targetId ? { targetId: options.targetId } : {}),
    ...(options.action ? { action: { startsWith: options.action } } : {}),
    ...(options.from || options.to
      ? {
          at: {
            ...(options.from ? { gte: new Date(options.from) } : {}),
            ...(options.to ? { lte: new Date(options.to) } : {}),
          },
        }
      : {}),
  };
  const rows = await options.db.auditEvent.findMany({ where, orderBy: { id: "desc" }, take: options.limit + 1 });
  const items = rows.slice(0, options.limit).map((row) => ({
    id: String(row.id),
    at: row.at.toISOString(),
    actorType: row.actorType,
    actorName: row.actorName,
    action: row.action,
    targetType: row.targetType,
    targetId: row.targetId,
    before: row.before,
    after: row.after,
    configVersion: row.configVersion,
    ip: row.ip,
  }));
  return { items, nextCursor: rows.length > options.limit ? (items.at(-1)?.id ?? null) : null };
}
