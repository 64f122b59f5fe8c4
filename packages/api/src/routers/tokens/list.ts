import { apiTokenSchema } from "@weir/config/api";
import { z } from "zod";
import { listApiTokens } from "../../domain/tokens/list-api-tokens";
import { viewerProcedure } from "../../trpc";

export const listApiTokensProcedure = viewerProcedure
  .meta({
    openapi: {
      method: "GET",
      path: "/tokens",
      tags: ["tokens"],
      summary: "List API tokens (yours; every one for admins)",
    },
  })
  .input(z.strictObject({}).optional())
  .output(z.array(apiTokenSchema))
  .query(({ ctx }) => listApiTokens({ db: ctx.db, actor: ctx.actor }));
