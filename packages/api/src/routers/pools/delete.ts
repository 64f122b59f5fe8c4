import { changeResultSchema, deletePoolInputSchema } from "@weir/config/api";
import { z } from "zod";
import { deletePool } from "../../domain/pools/delete-pool";
import { operatorProcedure } from "../../trpc";
import { changeCaller, changeResponse } from "../change";

export const deletePoolProcedure = operatorProcedure
  .meta({ openapi: { method: "DELETE", path: "/pools/{id}", tags: ["pools"], summary: "Delete a pool (?version=N)" } })
  .input(deletePoolInputSchema)
  .output(changeResultSchema(z.object({ id: z.string() })))
  .mutation(async ({ ctx, input }) => changeResponse(await deletePool({ ...changeCaller(ctx), input })));
