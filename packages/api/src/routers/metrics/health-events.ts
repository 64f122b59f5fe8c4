import { healthEventSchema, healthEventsInputSchema } from "@weir/config/api";
import { z } from "zod";
import { listHealthEvents } from "../../domain/metrics/health-events";
import { viewerProcedure } from "../../trpc";

export const metricsHealthEventsProcedure = viewerProcedure
  .meta({
    openapi: {
      method: "GET",
      path: "/metrics/health-events",
      tags: ["metrics"],
      summary: "A pool's backend health transitions, newest first",
    },
  })
  .input(healthEventsInputSchema)
  .output(z.array(healthEventSchema))
  .query(({ ctx, input }) => listHealthEvents({ db: ctx.db, ...input }));
