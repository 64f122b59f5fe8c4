import { backendSchema, changeResultSchema, setBackendStateInputSchema } from "@weir/config/api";
import { updateBackend } from "../../domain/backends/update-backend";
import { operatorProcedure } from "../../trpc";

export const enableBackendProcedure = operatorProcedure
  .meta({
    openapi: {
      method: "POST",
      path: "/backends/{id}/enable",
      tags: ["backends"],
      summary: "Put a backend back in service",
    },
  })
  .input(setBackendStateInputSchema)
  .output(changeResultSchema(backendSchema))
  .mutation(async ({ ctx, input }) => {
    const { result, configVersion } = await updateBackend({
      db: ctx.db,
      actor: ctx.actor,
      ip: ctx.ip,
      requestId: ctx.requestId,
      input: { ...input, state: "active" },
    });
    return { item: result, configVersion };
  });
