import { changeResultSchema, poolSchema, updatePoolInputSchema } from "@weir/config/api";
import { updatePool } from "../../domain/pools/update-pool";
import { operatorProcedure } from "../../trpc";
import { changeCaller, changeResponse } from "../change";

export const updatePoolProcedure = operatorProcedure
  .meta({ openapi: { method: "PATCH", path: "/pools/{id}", tags: ["pools"], summary: "Change a pool's settings" } })
  .input(updatePoolInputSchema)
  .output(changeResultSchema(poolSchema))
  .mutation(async ({ ctx, input }) => changeResponse(await updatePool({ ...changeCaller(ctx), input })));
