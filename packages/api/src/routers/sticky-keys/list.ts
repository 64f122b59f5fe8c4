import { z } from "zod";
import { listStickyKeys } from "../../domain/sticky-keys/sticky-keys";
import { adminProcedure } from "../../trpc";

export const listStickyKeysProcedure = adminProcedure
  .meta({
    openapi: {
      method: "GET",
      path: "/sticky-keys",
      tags: ["agents"],
      summary: "The keys that sign sticky-session cookies: ids and ages, never the secrets",
    },
  })
  .input(z.strictObject({}).optional())
  .output(z.array(z.object({ id: z.string(), createdAt: z.string(), signs: z.boolean() })))
  .query(({ ctx }) => listStickyKeys({ db: ctx.db }));
