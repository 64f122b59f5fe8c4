import { meSchema } from "@weir/config/api";
import { z } from "zod";
import { toUserDto } from "../../domain/users/user-dto";
import { apiError } from "../../errors";
import { authedProcedure } from "../../trpc";

export const meProcedure = authedProcedure
  .meta({ openapi: { method: "GET", path: "/auth/me", tags: ["auth"], summary: "Who am I" } })
  .input(z.strictObject({}).optional())
  .output(meSchema)
  .query(async ({ ctx }) => {
    const user = await ctx.db.user.findUnique({ where: { id: ctx.actor.userId } });
    if (!user) throw apiError("WEIR_E_UNAUTHENTICATED", "Your user no longer exists.");
    return {
      user: { ...toUserDto(user), role: ctx.actor.role },
      via: ctx.actor.type === "user" ? ("session" as const) : ("api_token" as const),
    };
  });
