import { demoTrafficSchema, setDemoTrafficInputSchema } from "@weir/config/api";
import { recordAudit } from "../../domain/audit/record-audit";
import { DEFAULT_DEMO_TRAFFIC_CONTROL, demoTraffic } from "../../domain/demo/demo-traffic";
import { operatorProcedure } from "../../trpc";

export const setDemoTrafficProcedure = operatorProcedure
  .meta({
    openapi: {
      method: "PUT",
      path: "/demo/traffic",
      tags: ["demo"],
      summary: "Change the demo traffic generator's rate (requests per second)",
    },
  })
  .input(setDemoTrafficInputSchema)
  .output(demoTrafficSchema)
  .mutation(async ({ ctx, input }) => {
    const control = ctx.demoTrafficControl ?? DEFAULT_DEMO_TRAFFIC_CONTROL;
    const before = await demoTraffic({ control }).catch(() => undefined);
    const after = await demoTraffic({ control, rate: input.rate });
    await recordAudit(ctx.db, {
      actor: ctx.actor,
      action: "demo.traffic",
      targetType: "demo",
      before: before ? { rate: before.rate } : undefined,
      after: { rate: after.rate },
      ip: ctx.ip,
      requestId: ctx.requestId,
    });
    return after;
  });
