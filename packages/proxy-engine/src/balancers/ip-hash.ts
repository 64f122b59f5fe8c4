import type { BackendRuntime } from "../backend";
import { fmix32 } from "../util/hash";
import { type Balancer, eligible, type PickContext } from "./types";

/**
 * IP hash (NGINX's `ip_hash`): the client's hash picks a slot in a weighted table (a backend of
 * weight w holds w slots). When that backend is down, rehash up to 20 times, then scan: a client
 * stays on its backend while it is up. Adding or removing a backend remaps most clients; use
 * ring_hash or maglev where that matters. O(1) pick, O(Σweight) build (weights capped for the table).
 */
export class IpHash implements Balancer {
  private readonly slots: BackendRuntime[] = [];

  constructor(private readonly backends: readonly BackendRuntime[]) {
    for (const b of backends) {
      const copies = Math.min(Math.max(b.weight, 0), 100);
      for (let i = 0; i < copies; i++) this.slots.push(b);
    }
  }

  pick(ctx: PickContext): BackendRuntime | undefined {
    const n = this.slots.length;
    if (n === 0) return undefined;
    let h = ctx.hash;
    for (let attempt = 0; attempt < 20; attempt++) {
      const b = this.slots[h % n] as BackendRuntime;
      if (eligible(b, ctx)) return b;
      h = fmix32(h + 1);
    }
    for (let i = 0; i < this.backends.length; i++) {
      const b = this.backends[(ctx.hash + i) % this.backends.length] as BackendRuntime;
      if (eligible(b, ctx)) return b;
    }
    return undefined;
  }
}
