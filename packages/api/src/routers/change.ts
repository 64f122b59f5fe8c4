import type { Actor } from "../auth/actor";
import type { Context } from "../context";
import type { ChangeResult } from "../domain/config/commit-change";

/** Who is changing the config, from where: what every config-changing domain function takes. */
export function changeCaller(ctx: Context & { actor: Actor }) {
  return { db: ctx.db, actor: ctx.actor, ip: ctx.ip, requestId: ctx.requestId };
}

/** The answer of every config change: the object and the config version it made. */
export function changeResponse<T>(outcome: ChangeResult<T>): { item: T; configVersion: number } {
  return { item: outcome.result, configVersion: outcome.configVersion };
}
