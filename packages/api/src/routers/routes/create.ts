import { changeResultSchema, createRouteInputSchema, routeDtoSchema } from "@weir/config/api";

import { createRoute } from "../../domain/listeners/routes";
import { operatorProcedure } from "../../trpc";

export const createRouteProcedure = operatorProcedure
  .meta({
    openapi: {
      method: "POST",
      path: "/listeners/{listenerId}/routes",
      tags: ["routes"],
      summary: "Add a route to a listener",
    },
  })
  .input(createRouteInputSchema)
  .output(changeResultSchema(routeDtoSchema))
  .mutation(async ({ ctx, input }) => {
    const { result, configVersion } = await createRoute({
      db: ctx.db,
      actor: ctx.actor,
      ip: ctx.ip,
      requestId: ctx.requestId,
      input,
    });
    return { item: result, configVersion };
  });
