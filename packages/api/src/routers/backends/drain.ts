import { backendSchema, changeResultSchema, setBackendStateInputSchema } from "@weir/config/api";
import { updateBackend } from "../../domain/backends/update-backend";
import { operatorProcedure } from "../../trpc";

export const drainBackendProcedure = operatorProcedure
  .meta({
    openapi: {
      method: "POST",
      path: "/backends/{id}/drain",
      tags: ["backends"],
      summary: "Drain a backend: no new requests, in-flight ones finish",
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
      input: { ...input, state: "draining" },
    });
    return { item: result, configVersion };
  });
