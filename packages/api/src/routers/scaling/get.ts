import { scalingRuleDetailDtoSchema, scalingRuleRefInputSchema } from "@weir/config/api";
import { getScalingRule } from "../../domain/scaling/list-scaling-rules";
import { viewerProcedure } from "../../trpc";

export const getScalingRuleProcedure = viewerProcedure
  .meta({
    openapi: {
      method: "GET",
      path: "/scaling-rules/{id}",
      tags: ["scaling"],
      summary: "A scaling rule, its current and desired backends, and its last decisions",
    },
  })
  .input(scalingRuleRefInputSchema)
  .output(scalingRuleDetailDtoSchema)
  .query(({ ctx, input }) => getScalingRule({ db: ctx.db, id: input.id }));
