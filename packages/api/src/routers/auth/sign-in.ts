import { meSchema, signInInputSchema } from "@weir/config/api";
import { signIn } from "../../domain/auth/sign-in";
import { publicProcedure } from "../../trpc";

export const signInProcedure = publicProcedure
  .meta({
    openapi: { method: "POST", path: "/auth/sign-in", tags: ["auth"], summary: "Sign in; sets the session cookie" },
  })
  .input(signInInputSchema)
  .output(meSchema)
  .mutation(async ({ ctx, input }) => {
    const { token, expiresAt, user } = await signIn({
      db: ctx.db,
      limiter: ctx.loginLimiter,
      email: input.email,
      password: input.password,
      ip: ctx.ip,
      userAgent: ctx.userAgent,
    });
    ctx.session?.set(token, expiresAt);
    return { user, via: "session" as const };
  });
