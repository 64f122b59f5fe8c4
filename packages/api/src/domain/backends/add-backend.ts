import type { BackendDto } from "@weir/config/api";
import type { Db } from "@weir/db";
import type { Actor } from "../../auth/actor";
import { apiError } from "../../errors";
import { type ChangeResult, commitChange } from "../config/commit-change";
import { toBackendDto } from "../pools/pool-dto";
import { poolByIdOrName } from "../pools/pool-ref";

export async function addBackend(options: {
  db: Db;
  actor: Actor;
  ip?: string;
  requestId?: string;
  input: {
    poolId: string;
    host: string;
    port: number;
    weight: number;
    versionLabel: string;
    state: "active" | "draining" | "disabled";
  };
}): Promise<ChangeResult<BackendDto>> {
  const { poolId, host, port } = options.input;
  return commitChange({
    db: options.db,
    actor: options.actor,
    ip: options.ip,
    requestId: options.requestId,
    action: "backend.add",
    targetType: "backend",
    change: async (tx) => {
      const pool = await tx.pool.findFirst({ where: poolByIdOrName(poolId) });
      if (!pool) throw apiError("WEIR_E_NOT_FOUND", `No pool with id or name ${poolId}.`, { field: "poolId" });
      if (await tx.backend.findUnique({ where: { poolId_host_port: { poolId: pool.id, host, port } } })) {
        throw apiError("WEIR_E_DUPLICATE", `Pool ${pool.name} already has a backend at ${host}:${port}.`, {
          field: "port",
        });
      }
      const backend = await tx.backend.create({ data: { ...options.input, poolId: pool.id } });
      await tx.pool.update({ where: { id: pool.id }, data: { updatedAt: new Date() } });
      const dto = toBackendDto(backend);
      return {
        after: { pool: pool.name, ...dto },
        result: dto,
        targetId: backend.id,
        summary: `${pool.name}: backend ${host}:${port} (${backend.versionLabel}, weight ${backend.weight}) added`,
      };
    },
  });
}
