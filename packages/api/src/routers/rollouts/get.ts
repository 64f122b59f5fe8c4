import { rolloutDtoSchema, rolloutRefInputSchema } from "@weir/config/api";
import { getRollout } from "../../domain/rollouts/list-rollouts";
import { viewerProcedure } from "../../trpc";

export const getRolloutProcedure = viewerProcedure
  .meta({
    openapi: {
      method: "GET",
      path: "/rollouts/{id}",
      tags: ["rollouts"],
      summary: "A rollout, where it stands, its verdicts",
    },
  })
  .input(rolloutRefInputSchema)
  .output(rolloutDtoSchema)
  .query(({ ctx, input }) => getRollout({ db: ctx.db, id: input.id }));
