import { z } from "zod";
import { deleteSession } from "../../auth/sessions";
import { publicProcedure } from "../../trpc";

export const signOutProcedure = publicProcedure
  .meta({ openapi: { method: "POST", path: "/auth/sign-out", tags: ["auth"], summary: "End the current session" } })
  .input(z.strictObject({}).optional())
  .output(z.object({ ok: z.literal(true) }))
  .mutation(async ({ ctx }) => {
    if (ctx.actor?.type === "user") await deleteSession({ db: ctx.db, sessionId: ctx.actor.sessionId });
    ctx.session?.clear();
    return { ok: true as const };
  });
