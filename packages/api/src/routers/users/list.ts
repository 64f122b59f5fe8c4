import { userSchema } from "@weir/config/api";
import { z } from "zod";
import { listUsers } from "../../domain/users/list-users";
import { adminProcedure } from "../../trpc";

export const listUsersProcedure = adminProcedure
  .meta({ openapi: { method: "GET", path: "/users", tags: ["users"], summary: "List users" } })
  .input(z.strictObject({}).optional())
  .output(z.array(userSchema))
  .query(({ ctx }) => listUsers({ db: ctx.db }));
