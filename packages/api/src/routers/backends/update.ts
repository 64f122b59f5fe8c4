import { backendSchema, changeResultSchema, updateBackendInputSchema } from "@weir/config/api";
import { updateBackend } from "../../domain/backends/update-backend";
import { operatorProcedure } from "../../trpc";
import { changeCaller, changeResponse } from "../change";

export const updateBackendProcedure = operatorProcedure
  .meta({
    openapi: {
      method: "PATCH",
      path: "/backends/{id}",
      tags: ["backends"],
      summary: "Change a backend's weight or version label",
    },
  })
  .input(updateBackendInputSchema)
  .output(changeResultSchema(backendSchema))
  .mutation(async ({ ctx, input }) => changeResponse(await updateBackend({ ...changeCaller(ctx), input })));
