import { changeResultSchema, removeBackendInputSchema } from "@weir/config/api";
import { z } from "zod";
import { removeBackend } from "../../domain/backends/remove-backend";
import { operatorProcedure } from "../../trpc";

export const removeBackendProcedure = operatorProcedure
  .meta({
    openapi: { method: "DELETE", path: "/backends/{id}", tags: ["backends"], summary: "Remove a backend (?version=N)" },
  })
  .input(removeBackendInputSchema)
  .output(changeResultSchema(z.object({ id: z.string() })))
  .mutation(async ({ ctx, input }) => {
    const { result, configVersion } = await removeBackend({
      db: ctx.db,
      actor: ctx.actor,
      ip: ctx.ip,
      requestId: ctx.requestId,
      input,
    });
    return { item: result, configVersion };
  });
