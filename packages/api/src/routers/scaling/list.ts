import { listScalingRulesInputSchema, scalingRuleDtoSchema } from "@weir/config/api";
import { z } from "zod";
import { listScalingRules } from "../../domain/scaling/list-scaling-rules";
import { viewerProcedure } from "../../trpc";

export const listScalingRulesProcedure = viewerProcedure
  .meta({
    openapi: {
      method: "GET",
      path: "/scaling-rules",
      tags: ["scaling"],
      summary: "List scaling rules (?poolId= a pool's id or name), with where each stands",
    },
  })
  .input(listScalingRulesInputSchema.optional())
  .output(z.array(scalingRuleDtoSchema))
  .query(({ ctx, input }) => listScalingRules({ db: ctx.db, poolId: input?.poolId }));
