import { createScalingRuleInputSchema, scalingRuleDtoSchema } from "@weir/config/api";
import { createScalingRule } from "../../domain/scaling/create-scaling-rule";
import { operatorProcedure } from "../../trpc";

export const createScalingRuleProcedure = operatorProcedure
  .meta({
    openapi: {
      method: "POST",
      path: "/scaling-rules",
      tags: ["scaling"],
      summary: "Create a scaling rule on a pool (or one version of it)",
    },
  })
  .input(createScalingRuleInputSchema)
  .output(scalingRuleDtoSchema)
  .mutation(({ ctx, input }) =>
    createScalingRule({ db: ctx.db, actor: ctx.actor, ip: ctx.ip, requestId: ctx.requestId, spec: input }),
  );
