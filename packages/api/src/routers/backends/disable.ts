import { backendSchema, changeResultSchema, setBackendStateInputSchema } from "@weir/config/api";
import { updateBackend } from "../../domain/backends/update-backend";
import { operatorProcedure } from "../../trpc";

export const disableBackendProcedure = operatorProcedure
  .meta({
    openapi: {
      method: "POST",
      path: "/backends/{id}/disable",
      tags: ["backends"],
      summary: "Take a backend out of service at once",
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
      input: { ...input, state: "disabled" },
    });
    return { item: result, configVersion };
  });
