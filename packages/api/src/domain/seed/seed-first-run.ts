import { randomBytes } from "node:crypto";
import type { Db } from "@weir/db";
import { recordAudit } from "../audit/record-audit";
import { commitChange } from "../config/commit-change";
import { poolSettingsData } from "../pools/create-pool";
import { hashPassword } from "../users/password";
import { seedDemoScalingRule } from "./demo-scaling-rule";

export interface SeedOptions {
  db: Db;
  adminEmail: string;
  /** The first admin's password; generated when absent. */
  adminPassword: string | undefined;
  /** Seed the demo pool and listener (the demo agent and backends serve them). */
  demo: boolean;
  /** Where the three demo backends listen (v1, v1, v2); defaults to 127.0.0.1:9101-9103. */
  demoBackends?: ReadonlyArray<{ host: string; port: number }>;
  /** Port of the demo listener the agents open; defaults to 8080. */
  demoListenerPort?: number;
}

export interface SeedResult {
  /** Set only when this call created the admin. */
  admin?: { email: string; password: string; generated: boolean };
  demoPoolCreated: boolean;
}

export const DEMO_POOL = "demo";
export const DEMO_LISTENER = "demo-http";
export const DEMO_LISTENER_PORT = 8080;
/** Where `npm start`'s demo backends listen: two of version v1, one of v2. */
export const DEMO_BACKENDS = [
  { host: "127.0.0.1", port: 9101 },
  { host: "127.0.0.1", port: 9102 },
  { host: "127.0.0.1", port: 9103 },
] as const;
const DEMO_VERSIONS = ["v1", "v1", "v2"] as const;

/**
 * First-run data, idempotent: the first admin when there are no users at all, and the demo pool,
 * listener and route when asked and absent, as config version 1 like any other change.
 */
export async function seedFirstRun(options: SeedOptions): Promise<SeedResult> {
  const { db } = options;
  const generated = options.adminPassword === undefined;
  const password = options.adminPassword ?? randomBytes(12).toString("base64url");
  const passwordHash = await hashPassword(password);

  const result: SeedResult = { demoPoolCreated: false };
  await db.$transaction(async (tx) => {
    if ((await tx.user.count()) > 0) return;
    await tx.user.create({ data: { email: options.adminEmail, name: "Administrator", role: "admin", passwordHash } });
    await recordAudit(tx, {
      actor: "system",
      action: "user.create",
      targetType: "user",
      after: { email: options.adminEmail, role: "admin" },
    });
    result.admin = { email: options.adminEmail, password, generated };
  });
  if (options.demo && !(await db.pool.findUnique({ where: { name: DEMO_POOL } }))) {
    const { result: poolId } = await commitChange({
      db,
      actor: "system",
      action: "pool.create",
      targetType: "pool",
      summary: "demo pool, listener and route seeded",
      change: async (tx) => {
        const pool = await tx.pool.create({
          data: {
            name: DEMO_POOL,
            description: "Demo pool: two v1 backends and one v2, fed by the demo traffic generator.",
            algorithm: "weighted_round_robin",
            ...(poolSettingsData({
              healthCheck: { type: "http", path: "/healthz", intervalMs: 2000, timeoutMs: 1000 },
              outlier: {},
              retry: {},
              timeouts: {},
              circuitBreaker: {},
              stickiness: {},
            }) as object),
            backends: {
              create: (options.demoBackends ?? DEMO_BACKENDS).map((backend, index) => ({
                host: backend.host,
                port: backend.port,
                versionLabel: DEMO_VERSIONS[index] ?? "v1",
                weight: 100,
              })),
            },
          },
        });
        const listener = await tx.listener.upsert({
          where: { name: DEMO_LISTENER },
          create: { name: DEMO_LISTENER, protocol: "http", port: options.demoListenerPort ?? DEMO_LISTENER_PORT },
          update: {},
        });
        await tx.route.create({
          data: { listenerId: listener.id, name: "default", pathPrefix: "/", hosts: [], poolId: pool.id },
        });
        return { after: { name: pool.name, listener: listener.name }, result: pool.id, targetId: pool.id };
      },
    });
    // Beside the pool it scales, once: a rule an operator deleted does not come back.
    await seedDemoScalingRule({ db, poolId });
    result.demoPoolCreated = true;
  }
  return result;
}
