import { addBackendInputSchema, backendSchema, changeResultSchema } from "@weir/config/api";
import { addBackend } from "../../domain/backends/add-backend";
import { operatorProcedure } from "../../trpc";
import { changeCaller, changeResponse } from "../change";

export const addBackendProcedure = operatorProcedure
  .meta({
    openapi: {
      method: "POST",
      path: "/pools/{poolId}/backends",
      tags: ["backends"],
      summary: "Add a backend to a pool",
    },
  })
  .input(addBackendInputSchema)
  .output(changeResultSchema(backendSchema))
  .mutation(async ({ ctx, input }) => changeResponse(await addBackend({ ...changeCaller(ctx), input })));
