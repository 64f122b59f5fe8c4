import { scalingRuleDtoSchema, updateScalingRuleInputSchema } from "@weir/config/api";
import { updateScalingRule } from "../../domain/scaling/update-scaling-rule";
import { operatorProcedure } from "../../trpc";

export const updateScalingRuleProcedure = operatorProcedure
  .meta({
    openapi: {
      method: "PATCH",
      path: "/scaling-rules/{id}",
      tags: ["scaling"],
      summary: "Change a scaling rule (send the version you read; secrets left out are kept)",
    },
  })
  .input(updateScalingRuleInputSchema)
  .output(scalingRuleDtoSchema)
  .mutation(({ ctx, input }) =>
    updateScalingRule({ db: ctx.db, actor: ctx.actor, ip: ctx.ip, requestId: ctx.requestId, input }),
  );
