import { deleteScalingRuleInputSchema } from "@weir/config/api";
import { z } from "zod";
import { deleteScalingRule } from "../../domain/scaling/delete-scaling-rule";
import { operatorProcedure } from "../../trpc";

export const deleteScalingRuleProcedure = operatorProcedure
  .meta({
    openapi: {
      method: "DELETE",
      path: "/scaling-rules/{id}",
      tags: ["scaling"],
      summary: "Delete a scaling rule and its decision log (?version=N); its backends stay",
    },
  })
  .input(deleteScalingRuleInputSchema)
  .output(z.object({ id: z.string() }))
  .mutation(({ ctx, input }) =>
    deleteScalingRule({ db: ctx.db, actor: ctx.actor, ip: ctx.ip, requestId: ctx.requestId, input }),
  );
