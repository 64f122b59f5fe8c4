import { randomBytes } from "node:crypto";
import type { StickyKey } from "@weir/config";
import type { Db } from "@weir/db";
import type { Actor } from "../../auth/actor";
import { recordAudit } from "../audit/record-audit";

/** NOTIFY channel: the sticky keys changed; every replica's hub reloads them and pushes them out. */
export const STICKY_KEYS_CHANNEL = "weir_sticky_keys";

/** Keys in force: the newest signs, the one before it is still accepted (a rotation's overlap). */
const KEPT = 2;

function newKey(): StickyKey {
  return { id: randomBytes(6).toString("hex"), secret: randomBytes(32).toString("base64url") };
}

/**
 * The fleet's sticky-session keys, newest first; the first is made here when there is none (a
 * fresh install, or one from before keys existed). Concurrent first calls from several replicas
 * may each make one: every one of them is then in force, newest first, which is harmless.
 */
export async function loadStickyKeys({ db }: { db: Db }): Promise<StickyKey[]> {
  let rows = await db.stickyKey.findMany({ orderBy: { createdAt: "desc" }, take: KEPT });
  if (rows.length === 0) {
    await db.stickyKey.create({ data: newKey() });
    rows = await db.stickyKey.findMany({ orderBy: { createdAt: "desc" }, take: KEPT });
  }
  return rows.map(({ id, secret }) => ({ id, secret }));
}

/** What the API shows of the keys: their ids and ages, never a secret. */
export async function listStickyKeys({ db }: { db: Db }) {
  const keys = await loadStickyKeys({ db });
  const rows = await db.stickyKey.findMany({
    where: { id: { in: keys.map((k) => k.id) } },
    orderBy: { createdAt: "desc" },
    select: { id: true, createdAt: true },
  });
  return rows.map((row, i) => ({ id: row.id, createdAt: row.createdAt.toISOString(), signs: i === 0 }));
}

/**
 * A new signing key; the previous one stays accepted until the next rotation, so cookies already
 * handed out keep their backend (and are re-signed as their clients come back). Older keys go.
 * Every replica's hub sends the new set to its agents.
 */
export async function rotateStickyKey(options: { db: Db; actor: Actor; ip?: string }): Promise<{ id: string }> {
  return options.db.$transaction(async (tx) => {
    const key = newKey();
    await tx.stickyKey.create({ data: key });
    const kept = await tx.stickyKey.findMany({ orderBy: { createdAt: "desc" }, take: KEPT, select: { id: true } });
    await tx.stickyKey.deleteMany({ where: { id: { notIn: kept.map((k) => k.id) } } });
    await recordAudit(tx, {
      actor: options.actor,
      action: "sticky_key.rotate",
      targetType: "sticky_key",
      targetId: key.id,
      after: { signing: key.id, accepted: kept.map((k) => k.id) },
      ip: options.ip,
    });
    await tx.$executeRaw`SELECT pg_notify(${STICKY_KEYS_CHANNEL}, ${key.id})`;
    return { id: key.id };
  });
}
