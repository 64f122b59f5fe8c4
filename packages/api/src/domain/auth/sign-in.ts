import type { User } from "@weir/config/api";
import type { Db } from "@weir/db";
import type { LoginLimiter } from "../../auth/login-limiter";
import { createSession } from "../../auth/sessions";
import { apiError } from "../../errors";
import { recordAudit } from "../audit/record-audit";
import { hashPassword, verifyPassword } from "../users/password";
import { toUserDto } from "../users/user-dto";

// Verifying against this when the email is unknown keeps both failures equally slow, so response
// times do not reveal which emails have accounts.
const decoyHash = hashPassword("weir-decoy-password-never-matches");

export async function signIn(options: {
  db: Db;
  limiter: LoginLimiter;
  email: string;
  password: string;
  ip: string;
  userAgent: string | undefined;
}): Promise<{ token: string; expiresAt: Date; user: User }> {
  const { db, limiter, email, ip } = options;
  const retryAfterSeconds = limiter.retryAfterSeconds(email, ip);
  if (retryAfterSeconds > 0) {
    throw apiError("WEIR_E_RATE_LIMITED", `Too many failed sign-ins; try again in ${retryAfterSeconds} s.`, {
      retryAfterSeconds,
    });
  }
  const user = await db.user.findUnique({ where: { email } });
  const valid = await verifyPassword(user?.passwordHash ?? (await decoyHash), options.password);
  if (!user || !valid || user.disabled) {
    limiter.recordFailure(email, ip);
    throw apiError("WEIR_E_INVALID_CREDENTIALS", "Wrong email or password.");
  }
  limiter.recordSuccess(email);
  const signedIn = await db.user.update({ where: { id: user.id }, data: { lastLoginAt: new Date() } });
  const session = await createSession({ db, userId: user.id, userAgent: options.userAgent, ip });
  await recordAudit(db, {
    actor: { type: "user", userId: user.id, email: user.email, name: user.name, role: user.role, sessionId: "" },
    action: "auth.sign_in",
    targetType: "user",
    targetId: user.id,
    ip,
  });
  return { ...session, user: toUserDto(signedIn) };
}
