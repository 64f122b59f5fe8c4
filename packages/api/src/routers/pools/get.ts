import { poolRefInputSchema, poolSchema } from "@weir/config/api";
import { getPool } from "../../domain/pools/get-pool";
import { viewerProcedure } from "../../trpc";

export const getPoolProcedure = viewerProcedure
  .meta({
    openapi: {
      method: "GET",
      path: "/pools/{id}",
      tags: ["pools"],
      summary: "A pool with its settings and backends (by id or name)",
    },
  })
  .input(poolRefInputSchema)
  .output(poolSchema)
  .query(({ ctx, input }) => getPool({ db: ctx.db, id: input.id }));
