import { changeResultSchema, deleteRouteInputSchema } from "@weir/config/api";
import { z } from "zod";
import { deleteRoute } from "../../domain/listeners/routes";
import { operatorProcedure } from "../../trpc";

export const deleteRouteProcedure = operatorProcedure
  .meta({
    openapi: { method: "DELETE", path: "/routes/{id}", tags: ["routes"], summary: "Delete a route (?version=N)" },
  })
  .input(deleteRouteInputSchema)
  .output(changeResultSchema(z.object({ id: z.string() })))
  .mutation(async ({ ctx, input }) => {
    const { result, configVersion } = await deleteRoute({
      db: ctx.db,
      actor: ctx.actor,
      ip: ctx.ip,
      requestId: ctx.requestId,
      input,
    });
    return { item: result, configVersion };
  });
