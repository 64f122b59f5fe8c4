import type { BackendRuntime } from "../backend";
import type { Rng } from "../util/clock";
import { type Balancer, eligible, type PickContext } from "./types";

/** Weighted random: one draw over the eligible backends' summed weights. O(n) pick. */
export class WeightedRandom implements Balancer {
  constructor(
    private readonly backends: readonly BackendRuntime[],
    private readonly rng: Rng,
  ) {}

  pick(ctx: PickContext): BackendRuntime | undefined {
    let total = 0;
    for (let i = 0; i < this.backends.length; i++) {
      const b = this.backends[i] as BackendRuntime;
      if (eligible(b, ctx)) total += b.effectiveWeight(ctx.now);
    }
    if (total <= 0) return undefined;
    let r = this.rng() * total;
    let last: BackendRuntime | undefined;
    for (let i = 0; i < this.backends.length; i++) {
      const b = this.backends[i] as BackendRuntime;
      if (!eligible(b, ctx)) continue;
      last = b;
      r -= b.effectiveWeight(ctx.now);
      if (r < 0) return b;
    }
    return last;
  }
}
