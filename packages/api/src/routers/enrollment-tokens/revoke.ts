import { byIdInputSchema } from "@weir/config/api";
import { z } from "zod";
import { revokeEnrollmentToken } from "../../domain/enrollment/enrollment-tokens";
import { adminProcedure } from "../../trpc";

export const revokeEnrollmentTokenProcedure = adminProcedure
  .meta({
    openapi: {
      method: "DELETE",
      path: "/enrollment-tokens/{id}",
      tags: ["agents"],
      summary: "Revoke an agent enrollment token",
    },
  })
  .input(byIdInputSchema)
  .output(z.object({ ok: z.literal(true) }))
  .mutation(async ({ ctx, input }) => {
    await revokeEnrollmentToken({ db: ctx.db, actor: ctx.actor, ip: ctx.ip, id: input.id });
    return { ok: true as const };
  });
