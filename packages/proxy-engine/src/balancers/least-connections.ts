import type { BackendRuntime } from "../backend";
import { type Balancer, eligible, type PickContext } from "./types";

/**
 * Weighted least connections: the backend with the fewest requests in flight per unit of weight.
 * Ties go to the first one after the previous winner, so equal backends still rotate. O(n) pick.
 */
export class LeastConnections implements Balancer {
  private start = 0;
  constructor(private readonly backends: readonly BackendRuntime[]) {}

  pick(ctx: PickContext): BackendRuntime | undefined {
    const n = this.backends.length;
    let best: BackendRuntime | undefined;
    let bestIndex = 0;
    let bestScore = Number.POSITIVE_INFINITY;
    for (let i = 0; i < n; i++) {
      const index = (this.start + i) % n;
      const b = this.backends[index] as BackendRuntime;
      if (!eligible(b, ctx)) continue;
      const score = b.inFlight / b.effectiveWeight(ctx.now);
      if (score < bestScore) {
        best = b;
        bestScore = score;
        bestIndex = index;
      }
    }
    if (best !== undefined) this.start = (bestIndex + 1) % n;
    return best;
  }
}
