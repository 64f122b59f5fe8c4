import { apiTokenSchema, byIdInputSchema } from "@weir/config/api";
import { revokeApiToken } from "../../domain/tokens/revoke-api-token";
import { viewerProcedure } from "../../trpc";

export const revokeApiTokenProcedure = viewerProcedure
  .meta({ openapi: { method: "DELETE", path: "/tokens/{id}", tags: ["tokens"], summary: "Revoke an API token" } })
  .input(byIdInputSchema)
  .output(apiTokenSchema)
  .mutation(({ ctx, input }) => revokeApiToken({ db: ctx.db, actor: ctx.actor, ip: ctx.ip, id: input.id }));
