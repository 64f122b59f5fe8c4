import type { BackendRuntime } from "../backend";
import type { Rng } from "../util/clock";

/**
 * What a balancer sees of one request. The exchange object implements it, so picking allocates
 * nothing. `hash` is the client key hashed once per request (ip_hash, ring_hash, maglev).
 */
export interface PickContext {
  readonly now: number;
  readonly hash: number;
  readonly panic: boolean;
  /** Backends this request already failed on (retries go elsewhere); usually empty. */
  readonly tried: readonly BackendRuntime[];
}

/** Picks a backend for one request, or `undefined` when none can take it (the caller answers 503). */
export interface Balancer {
  pick(ctx: PickContext): BackendRuntime | undefined;
}

export interface BalancerDeps {
  readonly rng: Rng;
}

/** Up, with capacity, and not already tried by this request. */
export function eligible(b: BackendRuntime, ctx: PickContext): boolean {
  if (!b.isUp(ctx.now, ctx.panic) || !b.hasCapacity()) return false;
  const tried = ctx.tried;
  for (let i = 0; i < tried.length; i++) if (tried[i] === b) return false;
  return true;
}
