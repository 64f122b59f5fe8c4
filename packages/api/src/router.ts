import { agentsRouter } from "./routers/agents/router";
import { auditRouter } from "./routers/audit/router";
import { authRouter } from "./routers/auth/router";
import { backendsRouter } from "./routers/backends/router";
import { configRouter } from "./routers/config/router";
import { registerValidationCaller } from "./routers/config/validate";
import { demoRouter } from "./routers/demo/router";
import { enrollmentTokensRouter } from "./routers/enrollment-tokens/router";
import { listenersRouter } from "./routers/listeners/router";
import { metricsRouter } from "./routers/metrics/router";
import { poolsRouter } from "./routers/pools/router";
import { rolloutsRouter } from "./routers/rollouts/router";
import { routesRouter } from "./routers/routes/router";
import { scalingRouter } from "./routers/scaling/router";
import { stickyKeysRouter } from "./routers/sticky-keys/router";
import { tokensRouter } from "./routers/tokens/router";
import { usersRouter } from "./routers/users/router";
import { versionsRouter } from "./routers/versions/router";
import { router } from "./trpc";

export const appRouter = router({
  auth: authRouter,
  users: usersRouter,
  tokens: tokensRouter,
  enrollmentTokens: enrollmentTokensRouter,
  stickyKeys: stickyKeysRouter,
  agents: agentsRouter,
  listeners: listenersRouter,
  routes: routesRouter,
  pools: poolsRouter,
  backends: backendsRouter,
  versions: versionsRouter,
  config: configRouter,
  audit: auditRouter,
  metrics: metricsRouter,
  rollouts: rolloutsRouter,
  scaling: scalingRouter,
  demo: demoRouter,
});

registerValidationCaller((ctx) => appRouter.createCaller(ctx));

export type AppRouter = typeof appRouter;
