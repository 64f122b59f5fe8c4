import { scalingRuleDtoSchema, toggleScalingRuleInputSchema } from "@weir/config/api";
import { setScalingRuleEnabled } from "../../domain/scaling/set-scaling-rule-enabled";
import { operatorProcedure } from "../../trpc";

/** `POST /scaling-rules/{id}/enable` and `/disable`: they differ only in the value they set. */
export function toggleScalingRuleProcedure(verb: "enable" | "disable", summary: string) {
  return operatorProcedure
    .meta({ openapi: { method: "POST", path: `/scaling-rules/{id}/${verb}`, tags: ["scaling"], summary } })
    .input(toggleScalingRuleInputSchema)
    .output(scalingRuleDtoSchema)
    .mutation(({ ctx, input }) =>
      setScalingRuleEnabled({
        db: ctx.db,
        actor: ctx.actor,
        ip: ctx.ip,
        requestId: ctx.requestId,
        input,
        enabled: verb === "enable",
      }),
    );
}
