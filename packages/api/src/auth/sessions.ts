import type { Db } from "@weir/db";
import type { Actor } from "./actor";
import { generateSecret, hashSecret } from "./secrets";

export const SESSION_COOKIE = "weir_session";
/** Sessions last a week and slide: each use after an hour pushes the expiry out again. */
export const SESSION_TTL_MS = 7 * 24 * 3600_000;
const SLIDE_AFTER_MS = 3600_000;

export async function createSession(options: {
  db: Db;
  userId: string;
  userAgent?: string | undefined;
  ip?: string | undefined;
  now?: Date;
}): Promise<{ token: string; expiresAt: Date }> {
  const now = options.now ?? new Date();
  const token = generateSecret("ses");
  const expiresAt = new Date(now.getTime() + SESSION_TTL_MS);
  await options.db.session.create({
    data: {
      tokenHash: hashSecret(token),
      userId: options.userId,
      userAgent: options.userAgent?.slice(0, 300) ?? null,
      ip: options.ip ?? null,
      expiresAt,
      lastSeenAt: now,
    },
  });
  return { token, expiresAt };
}

/** The user behind a session cookie, or undefined when it is unknown, expired or disabled. */
export async function resolveSession(options: { db: Db; token: string; now?: Date }): Promise<Actor | undefined> {
  const now = options.now ?? new Date();
  const session = await options.db.session.findUnique({
    where: { tokenHash: hashSecret(options.token) },
    include: { user: true },
  });
  if (!session || session.expiresAt <= now || session.user.disabled) return undefined;
  if (now.getTime() - session.lastSeenAt.getTime() > SLIDE_AFTER_MS) {
    await options.db.session.update({
      where: { id: session.id },
      data: { lastSeenAt: now, expiresAt: new Date(now.getTime() + SESSION_TTL_MS) },
    });
  }
  return {
    type: "user",
    userId: session.user.id,
    email: session.user.email,
    name: session.user.name,
    role: session.user.role,
    sessionId: session.id,
  };
}

export async function deleteSession(options: { db: Db; sessionId: string }): Promise<void> {
  await options.db.session.deleteMany({ where: { id: options.sessionId } });
}
