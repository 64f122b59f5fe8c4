import { changeResultSchema, deleteListenerInputSchema } from "@weir/config/api";
import { z } from "zod";
import { deleteListener } from "../../domain/listeners/listeners";
import { operatorProcedure } from "../../trpc";

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
  .mutation(async ({ ctx, input }) => {
    const { result, configVersion } = await deleteListener({
      db: ctx.db,
      actor: ctx.actor,
      ip: ctx.ip,
      requestId: ctx.requestId,
      input,
    });
    return { item: result, configVersion };
  });
