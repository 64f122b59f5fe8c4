import type { BackendRuntime } from "../backend";
import type { Rng } from "../util/clock";
import { pickTwoChoices } from "./p2c";
import type { Balancer, PickContext } from "./types";

/**
 * Least response time (peak EWMA, as Finagle and linkerd do it): P2C on latency × (in flight + 1)
 * / weight. The EWMA is peak-sensitive (a slow answer counts at once, recovery decays in), so a
 * backend that starts stalling loses traffic within a request or two. The average also decays with
 * time since its last sample when read, so a backend that was slow once is probed again instead of
 * being starved forever; a backend with no sample yet is nearly free, so it gets probed at once.
 * O(1), two `Math.exp` per pick.
 */
export class PeakEwma implements Balancer {
  constructor(
    private readonly backends: readonly BackendRuntime[],
    private readonly rng: Rng,
  ) {}

  pick(ctx: PickContext): BackendRuntime | undefined {
    return pickTwoChoices(this.backends, ctx, this.rng, cost);
  }
}

/** Time constant of the EWMA's decay. */
export const PEAK_EWMA_DECAY_MS = 10_000;

/** Floor of the latency estimate (ms): keeps in-flight counts meaningful for unmeasured backends. */
const MIN_LATENCY_MS = 0.01;

function cost(b: BackendRuntime, now: number): number {
  const decayed = b.ewmaMs * Math.exp(-Math.max(0, now - b.ewmaStamp) / PEAK_EWMA_DECAY_MS);
  return (Math.max(decayed, MIN_LATENCY_MS) * (b.inFlight + 1)) / b.effectiveWeight(now);
}
