export { createDb, type Db } from "./client";
export { type DatabaseHandle, type DatabaseOptions, describeDatabase, openDatabase, redact } from "./database";
export { type RunningPostgres, startEmbeddedPostgres } from "./embedded";
export { type DatabaseEnv, databaseEnvSchema, parseEnvOrExit } from "./env";
export { DB_ERRORS, DbError, type DbErrorCode } from "./errors";
export * from "./generated/prisma/client";
export { checkDatabase, type DatabaseHealth } from "./health";
export {
  electLeader,
  type LeaderElection,
  type LeaderElectionOptions,
  type LeaderLoop,
  type LeaderLoopOptions,
  runWhileLeader,
} from "./leader";
export { type ApplyResult, applyMigrations } from "./migrate/apply";
export { diffSchemas } from "./migrate/diff";
export { type Migration, readMigrations } from "./migrate/migrations";
export { listenForNotifications, type NotificationListener, type NotificationListenerOptions } from "./notify";
export { findPrismaDir } from "./paths";
