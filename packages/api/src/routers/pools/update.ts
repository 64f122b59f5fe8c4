import { changeResultSchema, poolSchema, updatePoolInputSchema } from "@weir/config/api";
import { updatePool } from "../../domain/pools/update-pool";
import { operatorProcedure } from "../../trpc";

export const updatePoolProcedure = operatorProcedure
  .meta({ openapi: { method: "PATCH", path: "/pools/{id}", tags: ["pools"], summary: "Change a pool's settings" } })
  .input(updatePoolInputSchema)
  .output(changeResultSchema(poolSchema))
  .mutation(async ({ ctx, input }) => {
    const { result, configVersion } = await updatePool({
      db: ctx.db,
      actor: ctx.actor,
      ip: ctx.ip,
      requestId: ctx.requestId,
      input,
    });
    return { item: result, configVersion };
  });
