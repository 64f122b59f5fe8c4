import type { BackendRuntime } from "../backend";
import { hash32 } from "../util/hash";
import { type Balancer, eligible, type PickContext } from "./types";

/** Points on the ring per unit of weight. 160 as ketama: ~±10% load spread with few backends. */
export const RING_POINTS_PER_WEIGHT = 160;
const MAX_POINTS = 100_000;

/**
 * Consistent hashing on a ring (ketama): each backend owns points placed by hashing its id, so a
 * backend's points never move when others come and go, and only the keys it owned (≈1/n) remap.
 * A key goes to the first point clockwise of its hash whose backend is eligible. O(log points)
 * pick, O(points log points) build.
 */
export class RingHash implements Balancer {
  private readonly points: Uint32Array;
  private readonly owners: BackendRuntime[];

  constructor(backends: readonly BackendRuntime[]) {
    const totalWeight = backends.reduce((s, b) => s + b.weight, 0);
    const scale =
      totalWeight * RING_POINTS_PER_WEIGHT > MAX_POINTS ? MAX_POINTS / (totalWeight * RING_POINTS_PER_WEIGHT) : 1;
    const entries: Array<{ point: number; owner: BackendRuntime }> = [];
    for (const b of backends) {
      const count = Math.max(b.weight > 0 ? 1 : 0, Math.round(b.weight * RING_POINTS_PER_WEIGHT * scale));
      for (let i = 0; i < count; i++) entries.push({ point: hash32(`${b.id}-${i}`), owner: b });
    }
    entries.sort((x, y) => x.point - y.point || (x.owner.id < y.owner.id ? -1 : 1));
    this.points = Uint32Array.from(entries, (e) => e.point);
    this.owners = entries.map((e) => e.owner);
  }

  pick(ctx: PickContext): BackendRuntime | undefined {
    const n = this.points.length;
    if (n === 0) return undefined;
    const h = ctx.hash >>> 0;
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.points[mid] as number) < h) lo = mid + 1;
      else hi = mid;
    }
    for (let i = 0; i < n; i++) {
      const b = this.owners[(lo + i) % n] as BackendRuntime;
      if (eligible(b, ctx)) return b;
    }
    return undefined;
  }
}
