import { createRolloutInputSchema, rolloutDtoSchema, rolloutSpecSchema } from "@weir/config/api";
import { createRollout } from "../../domain/rollouts/create-rollout";
import { operatorProcedure } from "../../trpc";

export const createRolloutProcedure = operatorProcedure
  .meta({
    openapi: {
      method: "POST",
      path: "/rollouts",
      tags: ["rollouts"],
      summary: "Define a canary or blue-green rollout (pending)",
    },
  })
  .input(createRolloutInputSchema)
  .output(rolloutDtoSchema)
  .mutation(({ ctx, input }) =>
    createRollout({ db: ctx.db, actor: ctx.actor, ip: ctx.ip, spec: rolloutSpecSchema.parse(input) }),
  );
