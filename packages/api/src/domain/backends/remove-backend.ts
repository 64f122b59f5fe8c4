import type { Db } from "@weir/db";
import type { Actor } from "../../auth/actor";
import { apiError } from "../../errors";
import { assertVersion, type ChangeResult, commitChange } from "../config/commit-change";
import { toBackendDto } from "../pools/pool-dto";

/** Removes a backend from its pool. Agents stop sending it new requests; in-flight ones finish. */
export async function removeBackend(options: {
  db: Db;
  actor: Actor;
  ip?: string;
  requestId?: string;
  input: { id: string; version: number };
}): Promise<ChangeResult<{ id: string }>> {
  const { id, version } = options.input;
  return commitChange({
    db: options.db,
    actor: options.actor,
    ip: options.ip,
    requestId: options.requestId,
    action: "backend.remove",
    targetType: "backend",
    targetId: id,
    change: async (tx) => {
      const backend = await tx.backend.findUnique({ where: { id }, include: { pool: { select: { name: true } } } });
      if (!backend) throw apiError("WEIR_E_NOT_FOUND", `No backend with id ${id}.`, { field: "id" });
      assertVersion(backend, version, `Backend ${backend.host}:${backend.port}`, () => toBackendDto(backend));
      await tx.backend.delete({ where: { id } });
      await tx.pool.update({ where: { id: backend.poolId }, data: { updatedAt: new Date() } });
      return {
        before: { pool: backend.pool.name, ...toBackendDto(backend) },
        result: { id },
        summary: `${backend.pool.name}: backend ${backend.host}:${backend.port} removed`,
      };
    },
  });
}
