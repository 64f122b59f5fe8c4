import { z } from "zod";
import { listPools } from "../../domain/pools/list-pools";
import { viewerProcedure } from "../../trpc";

const poolSummarySchema = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string(),
  algorithm: z.string(),
  backends: z.object({ total: z.number(), active: z.number(), draining: z.number(), disabled: z.number() }),
  versions: z.array(z.string()),
  version: z.number(),
  updatedAt: z.string(),
});

export const listPoolsProcedure = viewerProcedure
  .meta({ openapi: { method: "GET", path: "/pools", tags: ["pools"], summary: "List pools with backend counts" } })
  .input(z.strictObject({}).optional())
  .output(z.array(poolSummarySchema))
  .query(({ ctx }) => listPools({ db: ctx.db }));
