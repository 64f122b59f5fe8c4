import { createUserInputSchema, userSchema } from "@weir/config/api";
import { createUser } from "../../domain/users/create-user";
import { adminProcedure } from "../../trpc";

export const createUserProcedure = adminProcedure
  .meta({ openapi: { method: "POST", path: "/users", tags: ["users"], summary: "Add a user" } })
  .input(createUserInputSchema)
  .output(userSchema)
  .mutation(({ ctx, input }) => createUser({ db: ctx.db, actor: ctx.actor, ip: ctx.ip, input }));
