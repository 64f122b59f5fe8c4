import type { Db } from "@weir/db";
import type { Actor } from "../../auth/actor";
import { apiError } from "../../errors";
import { assertVersion, type ChangeResult, commitChange } from "../config/commit-change";
import { BACKENDS_IN_ORDER, toPoolDto } from "./pool-dto";

/** Deletes a pool and its backends; refused while a route or a tcp listener still sends traffic to it. */
export async function deletePool(options: {
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
    action: "pool.delete",
    targetType: "pool",
    targetId: id,
    change: async (tx) => {
      const pool = await tx.pool.findUnique({
        where: { id },
        include: { backends: BACKENDS_IN_ORDER, routes: { include: { listener: true } }, tcpListeners: true },
      });
      if (!pool) throw apiError("WEIR_E_NOT_FOUND", `No pool with id ${id}.`, { field: "id" });
      assertVersion(pool, version, `Pool ${pool.name}`, () => toPoolDto(pool));
      const users = [
        ...pool.routes.map((route) => `route ${route.name} on listener ${route.listener.name}`),
        ...pool.tcpListeners.map((listener) => `listener ${listener.name}`),
      ];
      if (users.length > 0) {
        throw apiError(
          "WEIR_E_IN_USE",
          `Pool ${pool.name} still receives traffic from ${users.join(", ")}; point those elsewhere first.`,
          {
            field: "id",
          },
        );
      }
      await tx.pool.delete({ where: { id } });
      return { before: toPoolDto(pool), result: { id }, summary: `pool ${pool.name} deleted` };
    },
  });
}
