import { changeResultSchema, removeBackendInputSchema } from "@weir/config/api";
import { z } from "zod";
import { removeBackend } from "../../domain/backends/remove-backend";
import { operatorProcedure } from "../../trpc";
import { changeCaller, changeResponse } from "../change";

export const removeBackendProcedure = operatorProcedure
  .meta({
    openapi: { method: "DELETE", path: "/backends/{id}", tags: ["backends"], summary: "Remove a backend (?version=N)" },
  })
  .input(removeBackendInputSchema)
  .output(changeResultSchema(z.object({ id: z.string() })))
  .mutation(async ({ ctx, input }) => changeResponse(await removeBackend({ ...changeCaller(ctx), input })));
