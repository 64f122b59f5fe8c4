import { changeResultSchema, listenerDtoSchema, updateListenerInputSchema } from "@weir/config/api";

import { updateListener } from "../../domain/listeners/listeners";
import { operatorProcedure } from "../../trpc";
import { changeCaller, changeResponse } from "../change";

export const updateListenerProcedure = operatorProcedure
  .meta({ openapi: { method: "PATCH", path: "/listeners/{id}", tags: ["listeners"], summary: "Change a listener" } })
  .input(updateListenerInputSchema)
  .output(changeResultSchema(listenerDtoSchema))
  .mutation(async ({ ctx, input }) => changeResponse(await updateListener({ ...changeCaller(ctx), input })));
