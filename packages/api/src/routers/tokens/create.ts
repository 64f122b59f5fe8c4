import { createApiTokenInputSchema, createdSecretSchema } from "@weir/config/api";
import { createApiToken } from "../../domain/tokens/create-api-token";
import { viewerProcedure } from "../../trpc";

export const createApiTokenProcedure = viewerProcedure
  .meta({ openapi: { method: "POST", path: "/tokens", tags: ["tokens"], summary: "Create an API token (shown once)" } })
  .input(createApiTokenInputSchema)
  .output(createdSecretSchema)
  .mutation(({ ctx, input }) => createApiToken({ db: ctx.db, actor: ctx.actor, ip: ctx.ip, input }));
