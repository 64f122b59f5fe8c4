import { poolsRouter } from "./routers/pools/router";
import { router } from "./trpc";

export const appRouter = router({
  pools: poolsRouter,
});

export type AppRouter = typeof appRouter;
