import { changeResultSchema, createListenerInputSchema, listenerDtoSchema } from "@weir/config/api";

import { createListener } from "../../domain/listeners/listeners";
import { operatorProcedure } from "../../trpc";
import { changeCaller, changeResponse } from "../change";

export const createListenerProcedure = operatorProcedure
  .meta({ openapi: { method: "POST", path: "/listeners", tags: ["listeners"], summary: "Create a listener" } })
  .input(createListenerInputSchema)
  .output(changeResultSchema(listenerDtoSchema))
  .mutation(async ({ ctx, input }) => changeResponse(await createListener({ ...changeCaller(ctx), input })));
