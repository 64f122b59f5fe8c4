import { backendSchema, changeResultSchema, setBackendStateInputSchema } from "@weir/config/api";
import type { BackendState } from "@weir/db";
import { updateBackend } from "../../domain/backends/update-backend";
import { operatorProcedure } from "../../trpc";
import { changeCaller, changeResponse } from "../change";

/** `POST /backends/{id}/<verb>`: drain, enable and disable differ only in the state they set. */
export function backendStateProcedure(verb: "drain" | "enable" | "disable", state: BackendState, summary: string) {
  return operatorProcedure
    .meta({ openapi: { method: "POST", path: `/backends/{id}/${verb}`, tags: ["backends"], summary } })
    .input(setBackendStateInputSchema)
    .output(changeResultSchema(backendSchema))
    .mutation(async ({ ctx, input }) =>
      changeResponse(await updateBackend({ ...changeCaller(ctx), input: { ...input, state } })),
    );
}
