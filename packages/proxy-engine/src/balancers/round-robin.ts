import type { BackendRuntime } from "../backend";
import { type Balancer, eligible, type PickContext } from "./types";

/** Round robin, unweighted: each pick starts one past the previous. O(1) pick, O(n) when backends are down. */
export class RoundRobin implements Balancer {
  private next = 0;
  constructor(private readonly backends: readonly BackendRuntime[]) {}

  pick(ctx: PickContext): BackendRuntime | undefined {
    const n = this.backends.length;
    for (let i = 0; i < n; i++) {
      const index = (this.next + i) % n;
      const b = this.backends[index] as BackendRuntime;
      if (eligible(b, ctx)) {
        this.next = (index + 1) % n;
        return b;
      }
    }
    return undefined;
  }
}
