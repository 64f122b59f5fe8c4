import type { BackendRuntime } from "../backend";
import { type Balancer, eligible, type PickContext } from "./types";

/**
 * Smooth weighted round robin, as NGINX does it: every pick adds each backend's weight to its
 * current score, takes the highest, and subtracts the total from the winner. Weights 5:1:1 give
 * a a b a c a a, never a long run of one backend. O(n) pick. The scores live on the backends, so a
 * config swap keeps the rotation where it was.
 */
export class WeightedRoundRobin implements Balancer {
  constructor(private readonly backends: readonly BackendRuntime[]) {}

  pick(ctx: PickContext): BackendRuntime | undefined {
    let best: BackendRuntime | undefined;
    let total = 0;
    for (let i = 0; i < this.backends.length; i++) {
      const b = this.backends[i] as BackendRuntime;
      if (!eligible(b, ctx)) continue;
      const w = b.effectiveWeight(ctx.now);
      b.swrrCurrent += w;
      total += w;
      if (best === undefined || b.swrrCurrent > best.swrrCurrent) best = b;
    }
    if (best !== undefined) best.swrrCurrent -= total;
    return best;
  }
}
