import type { BackendRuntime } from "../backend";
import type { Rng } from "../util/clock";
import { pickTwoChoices } from "./p2c";
import type { Balancer, PickContext } from "./types";

/** Weighted P2C least request: of two random backends, the one with fewer requests in flight per unit of weight. O(1). */
export class P2CLeastRequest implements Balancer {
  constructor(
    private readonly backends: readonly BackendRuntime[],
    private readonly rng: Rng,
  ) {}

  pick(ctx: PickContext): BackendRuntime | undefined {
    return pickTwoChoices(this.backends, ctx, this.rng, cost);
  }
}

function cost(b: BackendRuntime, now: number): number {
  return (b.inFlight + 1) / b.effectiveWeight(now);
}
