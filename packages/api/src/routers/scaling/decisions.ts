import { scalingDecisionDtoSchema, scalingDecisionsInputSchema } from "@weir/config/api";
import { z } from "zod";
import { listScalingDecisions } from "../../domain/scaling/list-scaling-rules";
import { viewerProcedure } from "../../trpc";

export const scalingDecisionsProcedure = viewerProcedure
  .meta({
    openapi: {
      method: "GET",
      path: "/scaling-rules/{id}/decisions",
      tags: ["scaling"],
      summary: "A rule's decision log, newest first (?from=ISO time&limit=N): inputs, recommendation, action, reason",
    },
  })
  .input(scalingDecisionsInputSchema)
  .output(z.array(scalingDecisionDtoSchema))
  .query(({ ctx, input }) => listScalingDecisions({ db: ctx.db, id: input.id, from: input.from, limit: input.limit }));
