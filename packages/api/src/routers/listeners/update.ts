import { changeResultSchema, listenerDtoSchema, updateListenerInputSchema } from "@weir/config/api";

import { updateListener } from "../../domain/listeners/listeners";
import { operatorProcedure } from "../../trpc";

export const updateListenerProcedure = operatorProcedure
  .meta({ openapi: { method: "PATCH", path: "/listeners/{id}", tags: ["listeners"], summary: "Change a listener" } })
  .input(updateListenerInputSchema)
  .output(changeResultSchema(listenerDtoSchema))
  .mutation(async ({ ctx, input }) => {
    const { result, configVersion } = await updateListener({
      db: ctx.db,
      actor: ctx.actor,
      ip: ctx.ip,
      requestId: ctx.requestId,
      input,
    });
    return { item: result, configVersion };
  });
