import { changeResultSchema, createListenerInputSchema, listenerDtoSchema } from "@weir/config/api";

import { createListener } from "../../domain/listeners/listeners";
import { operatorProcedure } from "../../trpc";

export const createListenerProcedure = operatorProcedure
  .meta({ openapi: { method: "POST", path: "/listeners", tags: ["listeners"], summary: "Create a listener" } })
  .input(createListenerInputSchema)
  .output(changeResultSchema(listenerDtoSchema))
  .mutation(async ({ ctx, input }) => {
    const { result, configVersion } = await createListener({
      db: ctx.db,
      actor: ctx.actor,
      ip: ctx.ip,
      requestId: ctx.requestId,
      input,
    });
    return { item: result, configVersion };
  });
