import { listenerDtoSchema, poolRefInputSchema } from "@weir/config/api";
import { getListener } from "../../domain/listeners/listeners";
import { viewerProcedure } from "../../trpc";

export const getListenerProcedure = viewerProcedure
  .meta({
    openapi: {
      method: "GET",
      path: "/listeners/{id}",
      tags: ["listeners"],
      summary: "A listener with its routes (by id or name)",
    },
  })
  .input(poolRefInputSchema)
  .output(listenerDtoSchema)
  .query(({ ctx, input }) => getListener({ db: ctx.db, id: input.id }));
