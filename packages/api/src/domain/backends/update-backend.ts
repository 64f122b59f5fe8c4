import type { BackendDto } from "@weir/config/api";
import type { BackendState, Db, Prisma } from "@weir/db";
import type { Actor } from "../../auth/actor";
import { apiError } from "../../errors";
import { assertVersion, type ChangeResult, commitChange } from "../config/commit-change";
import { toBackendDto } from "../pools/pool-dto";

type BackendPatch = { weight?: number | undefined; versionLabel?: string | undefined; state?: BackendState };

const VERBS: Record<BackendState, string> = { active: "enable", draining: "drain", disabled: "disable" };

/**
 * Weight, version label or state of one backend. Draining keeps in-flight requests and
 * connections going to it but sends nothing new; disabled takes it out at once.
 */
export async function updateBackend(options: {
  db: Db;
  actor: Actor;
  ip?: string;
  requestId?: string;
  input: { id: string; version: number } & BackendPatch;
}): Promise<ChangeResult<BackendDto>> {
  const { id, version, ...patch } = options.input;
  const action =
    patch.state !== undefined
      ? `backend.${VERBS[patch.state]}`
      : patch.weight !== undefined
        ? "backend.weight"
        : "backend.update";
  return commitChange({
    db: options.db,
    actor: options.actor,
    ip: options.ip,
    requestId: options.requestId,
    action,
    targetType: "backend",
    targetId: id,
    change: async (tx) => {
      const before = await tx.backend.findUnique({ where: { id } });
      if (!before) throw apiError("WEIR_E_NOT_FOUND", `No backend with id ${id}.`, { field: "id" });
      assertVersion(before, version, `Backend ${before.host}:${before.port}`, () => toBackendDto(before));
      const data: Prisma.BackendUpdateInput = { version: { increment: 1 } };
      if (patch.weight !== undefined) data.weight = patch.weight;
      if (patch.versionLabel !== undefined) data.versionLabel = patch.versionLabel;
      if (patch.state !== undefined) data.state = patch.state;
      const after = await tx.backend.update({ where: { id }, data });
      const pool = await tx.pool.update({ where: { id: before.poolId }, data: { updatedAt: new Date() } });
      const changes = [
        patch.weight !== undefined ? `weight ${before.weight} → ${patch.weight}` : undefined,
        patch.versionLabel !== undefined ? `version ${before.versionLabel} → ${patch.versionLabel}` : undefined,
        patch.state !== undefined ? `${before.state} → ${patch.state}` : undefined,
      ].filter(Boolean);
      return {
        before: toBackendDto(before),
        after: toBackendDto(after),
        result: toBackendDto(after),
        summary: `${pool.name}: ${before.host}:${before.port} ${changes.join(", ")}`,
      };
    },
  });
}
