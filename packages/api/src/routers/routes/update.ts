import { changeResultSchema, routeDtoSchema, updateRouteInputSchema } from "@weir/config/api";

import { updateRoute } from "../../domain/listeners/routes";
import { operatorProcedure } from "../../trpc";

export const updateRouteProcedure = operatorProcedure
  .meta({ openapi: { method: "PATCH", path: "/routes/{id}", tags: ["routes"], summary: "Change a route" } })
  .input(updateRouteInputSchema)
  .output(changeResultSchema(routeDtoSchema))
  .mutation(async ({ ctx, input }) => {
    const { result, configVersion } = await updateRoute({
      db: ctx.db,
      actor: ctx.actor,
      ip: ctx.ip,
      requestId: ctx.requestId,
      input,
    });
    return { item: result, configVersion };
  });
