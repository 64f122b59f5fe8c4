import { authRouter } from "./routers/auth/router";
import { backendsRouter } from "./routers/backends/router";
import { enrollmentTokensRouter } from "./routers/enrollment-tokens/router";
import { poolsRouter } from "./routers/pools/router";
import { tokensRouter } from "./routers/tokens/router";
import { usersRouter } from "./routers/users/router";
import { router } from "./trpc";

export const appRouter = router({
  auth: authRouter,
  users: usersRouter,
  tokens: tokensRouter,
  enrollmentTokens: enrollmentTokensRouter,
  pools: poolsRouter,
  backends: backendsRouter,
});

export type AppRouter = typeof appRouter;
