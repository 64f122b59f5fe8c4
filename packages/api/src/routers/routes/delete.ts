import { changeResultSchema, deleteRouteInputSchema } from "@weir/config/api";
import { z } from "zod";
import { deleteRoute } from "../../domain/listeners/routes";
import { operatorProcedure } from "../../trpc";
import { changeCaller, changeResponse } from "../change";

export const deleteRouteProcedure = operatorProcedure
  .meta({
    openapi: { method: "DELETE", path: "/routes/{id}", tags: ["routes"], summary: "Delete a route (?version=N)" },
  })
  .input(deleteRouteInputSchema)
  .output(changeResultSchema(z.object({ id: z.string() })))
  .mutation(async ({ ctx, input }) => changeResponse(await deleteRoute({ ...changeCaller(ctx), input })));
