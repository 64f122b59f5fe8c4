export { type Context, createContextFactory } from "./context";
export { listPools, type PoolSummary } from "./domain/pools/list-pools";
export {
  DEMO_BACKENDS,
  DEMO_LISTENER,
  DEMO_LISTENER_PORT,
  DEMO_POOL,
  type SeedResult,
  seedFirstRun,
} from "./domain/seed/seed-first-run";
export { hashPassword, verifyPassword } from "./domain/users/password";
export { createHealthHandler } from "./http/health";
export { type AppRouter, appRouter } from "./router";
export { createCallerFactory } from "./trpc";
