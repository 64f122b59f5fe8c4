import { changeResultSchema, routeDtoSchema, updateRouteInputSchema } from "@weir/config/api";

import { updateRoute } from "../../domain/listeners/routes";
import { operatorProcedure } from "../../trpc";
import { changeCaller, changeResponse } from "../change";

export const updateRouteProcedure = operatorProcedure
  .meta({ openapi: { method: "PATCH", path: "/routes/{id}", tags: ["routes"], summary: "Change a route" } })
  .input(updateRouteInputSchema)
  .output(changeResultSchema(routeDtoSchema))
  .mutation(async ({ ctx, input }) => changeResponse(await updateRoute({ ...changeCaller(ctx), input })));
