import { updateUserInputSchema, userSchema } from "@weir/config/api";
import { updateUser } from "../../domain/users/update-user";
import { adminProcedure } from "../../trpc";

export const updateUserProcedure = adminProcedure
  .meta({
    openapi: {
      method: "PATCH",
      path: "/users/{id}",
      tags: ["users"],
      summary: "Re-role, rename, disable or re-password a user",
    },
  })
  .input(updateUserInputSchema)
  .output(userSchema)
  .mutation(({ ctx, input }) => updateUser({ db: ctx.db, actor: ctx.actor, ip: ctx.ip, input }));
