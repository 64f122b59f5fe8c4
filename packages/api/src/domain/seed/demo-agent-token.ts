import { chmod, mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import type { Db } from "@weir/db";
import { generateSecret, hashSecret, secretPrefix } from "../../auth/secrets";
import { recordAudit } from "../audit/record-audit";

export const DEMO_AGENT_TOKEN_NAME = "demo agent (npm start)";

/**
 * The enrollment token of `npm start`'s local demo agent. Like any token it is stored hashed; its
 * plain text goes to a file readable by this user only (as k3s does with its node token), where
 * the start script reads it to launch the agent. Reused while the file's token is still valid;
 * otherwise a new one is made and the file rewritten.
 */
export async function ensureDemoAgentToken(options: { db: Db; file: string }): Promise<{ created: boolean }> {
  const { db, file } = options;
  const existing = await readFile(file, "utf8").then(
    (text) => text.trim(),
    () => undefined,
  );
  if (existing !== undefined) {
    const row = await db.agentEnrollmentToken.findUnique({ where: { tokenHash: hashSecret(existing) } });
    if (row !== null && row.revokedAt === null && (row.expiresAt === null || row.expiresAt > new Date()))
      return { created: false };
  }
  const token = generateSecret("agt");
  await db.$transaction(async (tx) => {
    const row = await tx.agentEnrollmentToken.create({
      data: { name: DEMO_AGENT_TOKEN_NAME, prefix: secretPrefix(token), tokenHash: hashSecret(token) },
    });
    await recordAudit(tx, {
      actor: "system",
      action: "enrollment_token.create",
      targetType: "enrollment_token",
      targetId: row.id,
      after: { name: row.name, prefix: row.prefix },
    });
  });
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  await writeFile(file, `${token}\n`, { mode: 0o600 });
  await chmod(file, 0o600);
  return { created: true };
}
