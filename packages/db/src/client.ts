import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "./generated/prisma/client";

export type Db = PrismaClient;

/**
 * A Prisma client over node-postgres. Prisma 7 needs no native query engine with a driver
 * adapter, which is what lets Weir run on machines that cannot download one.
 */
export function createDb(options: { url: string; maxConnections?: number }): Db {
  const adapter = new PrismaPg({ connectionString: options.url, max: options.maxConnections ?? 10 });
  return new PrismaClient({ adapter });
}
