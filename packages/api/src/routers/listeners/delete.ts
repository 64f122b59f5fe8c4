import { changeResultSchema, deleteListenerInputSchema } from "@weir/config/api";
import { z } from "zod";
import { deleteListener } from "../../domain/listeners/listeners";
import { operatorProcedure } from "../../trpc";
import { changeCaller, changeResponse } from "../change";

export const deleteListenerProcedure = operatorProcedure
  .meta({
    openapi: {
      method: "DELETE",
      path: "/listeners/{id}",
      tags: ["listeners"],
      summary: "Delete a listener and its routes (?version=N)",
    },
  })
  .input(deleteListenerInputSchema)
  .output(changeResultSchema(z.object({ id: z.string() })))
  .mutation(async ({ ctx, input }) => changeResponse(await deleteListener({ ...changeCaller(ctx), input })));
