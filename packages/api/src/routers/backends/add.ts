import { addBackendInputSchema, backendSchema, changeResultSchema } from "@weir/config/api";
import { addBackend } from "../../domain/backends/add-backend";
import { operatorProcedure } from "../../trpc";

export const addBackendProcedure = operatorProcedure
  .meta({
    openapi: {
      method: "POST",
      path: "/pools/{poolId}/backends",
      tags: ["backends"],
      summary: "Add a backend to a pool",
    },
  })
  .input(addBackendInputSchema)
  .output(changeResultSchema(backendSchema))
  .mutation(async ({ ctx, input }) => {
    const { result, configVersion } = await addBackend({
      db: ctx.db,
      actor: ctx.actor,
      ip: ctx.ip,
      requestId: ctx.requestId,
      input,
    });
    return { item: result, configVersion };
  });
