import { changeResultSchema, createPoolInputSchema, poolSchema } from "@weir/config/api";
import { createPool } from "../../domain/pools/create-pool";
import { operatorProcedure } from "../../trpc";
import { changeCaller, changeResponse } from "../change";

export const createPoolProcedure = operatorProcedure
  .meta({ openapi: { method: "POST", path: "/pools", tags: ["pools"], summary: "Create a pool" } })
  .input(createPoolInputSchema)
  .output(changeResultSchema(poolSchema))
  .mutation(async ({ ctx, input }) => changeResponse(await createPool({ ...changeCaller(ctx), input })));
