import { changeResultSchema, createPoolInputSchema, poolSchema } from "@weir/config/api";
import { createPool } from "../../domain/pools/create-pool";
import { operatorProcedure } from "../../trpc";

export const createPoolProcedure = operatorProcedure
  .meta({ openapi: { method: "POST", path: "/pools", tags: ["pools"], summary: "Create a pool" } })
  .input(createPoolInputSchema)
  .output(changeResultSchema(poolSchema))
  .mutation(async ({ ctx, input }) => {
    const { result, configVersion } = await createPool({
      db: ctx.db,
      actor: ctx.actor,
      ip: ctx.ip,
      requestId: ctx.requestId,
      input,
    });
    return { item: result, configVersion };
  });
