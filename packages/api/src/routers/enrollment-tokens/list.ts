import { enrollmentTokenSchema } from "@weir/config/api";
import { z } from "zod";
import { listEnrollmentTokens } from "../../domain/enrollment/enrollment-tokens";
import { adminProcedure } from "../../trpc";

export const listEnrollmentTokensProcedure = adminProcedure
  .meta({
    openapi: { method: "GET", path: "/enrollment-tokens", tags: ["agents"], summary: "List agent enrollment tokens" },
  })
  .input(z.strictObject({}).optional())
  .output(z.array(enrollmentTokenSchema))
  .query(({ ctx }) => listEnrollmentTokens({ db: ctx.db }));
