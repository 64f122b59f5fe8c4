import { demoTrafficInputSchema, demoTrafficSchema } from "@weir/config/api";
import { DEFAULT_DEMO_TRAFFIC_CONTROL, demoTraffic } from "../../domain/demo/demo-traffic";
import { viewerProcedure } from "../../trpc";

export const demoTrafficProcedure = viewerProcedure
  .meta({
    openapi: {
      method: "GET",
      path: "/demo/traffic",
      tags: ["demo"],
      summary: "The demo traffic generator's rate and answer counts",
    },
  })
  .input(demoTrafficInputSchema.optional())
  .output(demoTrafficSchema)
  .query(({ ctx }) => demoTraffic({ control: ctx.demoTrafficControl ?? DEFAULT_DEMO_TRAFFIC_CONTROL }));
