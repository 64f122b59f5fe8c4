import { z } from "zod";
import { rotateStickyKey } from "../../domain/sticky-keys/sticky-keys";
import { adminProcedure } from "../../trpc";

export const rotateStickyKeyProcedure = adminProcedure
  .meta({
    openapi: {
      method: "POST",
      path: "/sticky-keys/rotate",
      tags: ["agents"],
      summary: "Sign sticky-session cookies with a new key; the previous one stays accepted until the next rotation",
    },
  })
  .input(z.strictObject({}).optional())
  .output(z.object({ id: z.string() }))
  .mutation(({ ctx }) => rotateStickyKey({ db: ctx.db, actor: ctx.actor, ip: ctx.ip }));
