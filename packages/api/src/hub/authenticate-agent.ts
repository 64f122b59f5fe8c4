import { type AgentHandshake, agentHandshakeSchema, type Refusal, SUPPORTED_PROTOCOL_VERSIONS } from "@weir/config";
import type { Db } from "@weir/db";
import { hashSecret } from "../auth/secrets";

export class AgentRefused extends Error {
  constructor(readonly refusal: Refusal) {
    super(refusal.message);
  }
}

/**
 * Checks an agent's handshake and registers it: the payload must parse, the protocol version must
 * be one this control plane speaks, and the enrollment token must be known, unexpired and not
 * revoked. The agent row is created on first contact and updated on every connection, its version
 * bumped: `registeredVersion` tells this connection's writes from a newer one's. Throws
 * AgentRefused with what the agent should show its operator.
 */
export async function authenticateAgent(options: {
  db: Db;
  auth: unknown;
  ip: string | undefined;
  now?: Date;
}): Promise<{ handshake: AgentHandshake; agentId: string; tokenId: string; registeredVersion: number }> {
  const parsed = agentHandshakeSchema.safeParse(options.auth);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.join(".") || "(handshake)";
    throw new AgentRefused({
      code: "WEIR_E_BAD_HANDSHAKE",
      message: `handshake ${field}: ${issue?.message ?? "invalid"}`,
    });
  }
  const handshake = parsed.data;
  if (!SUPPORTED_PROTOCOL_VERSIONS.includes(handshake.protocolVersion)) {
    throw new AgentRefused({
      code: "WEIR_E_PROTOCOL_VERSION",
      message: `protocol version ${handshake.protocolVersion} is not supported; this control plane accepts ${SUPPORTED_PROTOCOL_VERSIONS.join(", ")}. Upgrade the agent or the control plane so they match.`,
      supportedProtocolVersions: [...SUPPORTED_PROTOCOL_VERSIONS],
    });
  }
  const now = options.now ?? new Date();
  let token: { id: string; revokedAt: Date | null; expiresAt: Date | null } | null;
  try {
    token = await options.db.agentEnrollmentToken.findUnique({
      where: { tokenHash: hashSecret(handshake.token) },
      select: { id: true, revokedAt: true, expiresAt: true },
    });
  } catch {
    throw new AgentRefused({
      code: "WEIR_E_UNAVAILABLE",
      message: "the control plane cannot reach its database; retrying",
    });
  }
  if (token === null || token.revokedAt !== null || (token.expiresAt !== null && token.expiresAt <= now)) {
    throw new AgentRefused({
      code: "WEIR_E_AGENT_UNAUTHORIZED",
      message:
        token === null
          ? "the enrollment token is not valid; create one in Settings → Agents"
          : token.revokedAt !== null
            ? "the enrollment token was revoked; create a new one in Settings → Agents"
            : "the enrollment token has expired; create a new one in Settings → Agents",
    });
  }
  const fields = {
    labels: handshake.labels,
    enrollmentTokenId: token.id,
    softwareVersion: handshake.softwareVersion,
    protocolVersion: handshake.protocolVersion,
    address: handshake.address ?? options.ip ?? null,
    connected: true,
    lastSeenAt: now,
    ...(handshake.runningVersion !== undefined ? { appliedConfigVersion: handshake.runningVersion } : {}),
  };
  const [agent] = await options.db.$transaction([
    options.db.agent.upsert({
      where: { name: handshake.name },
      create: { name: handshake.name, ...fields },
      update: { ...fields, version: { increment: 1 } },
      select: { id: true, version: true },
    }),
    options.db.agentEnrollmentToken.update({ where: { id: token.id }, data: { lastUsedAt: now } }),
  ]);
  return { handshake, agentId: agent.id, tokenId: token.id, registeredVersion: agent.version };
}
