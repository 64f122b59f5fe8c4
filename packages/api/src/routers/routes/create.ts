import { changeResultSchema, createRouteInputSchema, routeDtoSchema } from "@weir/config/api";

import { createRoute } from "../../domain/listeners/routes";
import { operatorProcedure } from "../../trpc";
import { changeCaller, changeResponse } from "../change";

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
  .mutation(async ({ ctx, input }) => changeResponse(await createRoute({ ...changeCaller(ctx), input })));
