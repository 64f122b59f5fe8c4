import { listRolloutsInputSchema, rolloutDtoSchema } from "@weir/config/api";
import { z } from "zod";
import { listRollouts } from "../../domain/rollouts/list-rollouts";
import { viewerProcedure } from "../../trpc";

export const listRolloutsProcedure = viewerProcedure
  .meta({ openapi: { method: "GET", path: "/rollouts", tags: ["rollouts"], summary: "List rollouts, newest first" } })
  .input(listRolloutsInputSchema.optional())
  .output(z.array(rolloutDtoSchema))
  .query(({ ctx, input }) => listRollouts({ db: ctx.db, poolId: input?.poolId, active: input?.active }));
