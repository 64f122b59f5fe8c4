import {
  promoteRolloutInputSchema,
  type RolloutCommand,
  rolloutDtoSchema,
  rolloutRefInputSchema,
} from "@weir/config/api";
import { actorLabel } from "../../auth/actor";
import { applyRolloutEvent } from "../../domain/rollouts/apply-rollout-event";
import { getRollout } from "../../domain/rollouts/list-rollouts";
import { operatorProcedure } from "../../trpc";

const SUMMARIES: Record<RolloutCommand, string> = {
  start: "Start a pending rollout: its first step's routing goes out",
  pause: "Pause a rollout where it stands",
  resume: "Resume a paused rollout (re-applies the current step's routing)",
  promote: "Promote to the next step, or all the way with full=true",
  abort: "Abort: all traffic back to the stable version at once",
  retry: "Restart an aborted or degraded rollout from its first step",
  rollback: "Roll a finished rollout back to the previous stable version",
};

/**
 * One operator command on a rollout: fed to the state machine under the rollout's row lock; the
 * routing it decides is written as a config change in the same transaction. A command that makes
 * no sense in the rollout's state is refused with WEIR_E_ROLLOUT_STATE and why.
 */
export function rolloutCommandProcedure(command: Exclude<RolloutCommand, "promote">) {
  return operatorProcedure
    .meta({
      openapi: { method: "POST", path: `/rollouts/{id}/${command}`, tags: ["rollouts"], summary: SUMMARIES[command] },
    })
    .input(rolloutRefInputSchema)
    .output(rolloutDtoSchema)
    .mutation(async ({ ctx, input }) => {
      const event = { type: command, by: actorLabel(ctx.actor) };
      await applyRolloutEvent({ db: ctx.db, rolloutId: input.id, event, actor: ctx.actor, ip: ctx.ip });
      return getRollout({ db: ctx.db, id: input.id });
    });
}

export const promoteRolloutProcedure = operatorProcedure
  .meta({
    openapi: { method: "POST", path: "/rollouts/{id}/promote", tags: ["rollouts"], summary: SUMMARIES.promote },
  })
  .input(promoteRolloutInputSchema)
  .output(rolloutDtoSchema)
  .mutation(async ({ ctx, input }) => {
    const event = { type: "promote" as const, full: input.full, by: actorLabel(ctx.actor) };
    await applyRolloutEvent({ db: ctx.db, rolloutId: input.id, event, actor: ctx.actor, ip: ctx.ip });
    return getRollout({ db: ctx.db, id: input.id });
  });
