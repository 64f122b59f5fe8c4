import { createdSecretSchema, createEnrollmentTokenInputSchema } from "@weir/config/api";
import { createEnrollmentToken } from "../../domain/enrollment/enrollment-tokens";
import { adminProcedure } from "../../trpc";

export const createEnrollmentTokenProcedure = adminProcedure
  .meta({
    openapi: {
      method: "POST",
      path: "/enrollment-tokens",
      tags: ["agents"],
      summary: "Create an agent enrollment token (shown once)",
    },
  })
  .input(createEnrollmentTokenInputSchema)
  .output(createdSecretSchema)
  .mutation(({ ctx, input }) => createEnrollmentToken({ db: ctx.db, actor: ctx.actor, ip: ctx.ip, input }));
