import { metricsPointSchema, metricsSeriesInputSchema } from "@weir/config/api";
import { z } from "zod";
import { metricSeries } from "../../domain/metrics/metric-series";
import { viewerProcedure } from "../../trpc";

export const metricsSeriesProcedure = viewerProcedure
  .meta({
    openapi: {
      method: "GET",
      path: "/metrics/series",
      tags: ["metrics"],
      summary: "Traffic of a pool or backend over a time range",
    },
  })
  .input(metricsSeriesInputSchema)
  .output(z.array(metricsPointSchema))
  .query(({ ctx, input }) => metricSeries({ db: ctx.db, ...input }));
