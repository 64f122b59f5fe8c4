import type { BackendRuntime } from "../backend";
import { hash32 } from "../util/hash";
import { type Balancer, eligible, type PickContext } from "./types";

/** Lookup table size: a prime well above 100 × backends keeps the spread within ~1%. */
export const MAGLEV_TABLE_SIZE = 65537;

/**
 * Maglev consistent hashing (Google, NSDI'16), weighted: each backend walks its own permutation of
 * the table (offset and skip from its id's hash) and claims the next free slot, taking turns in
 * proportion to weight. Removing a backend frees only its slots plus a small fringe, so few keys
 * move. O(1) pick; when the slot's backend is down, the key is rehashed to other slots (still
 * consistent), then the table is scanned. O(M × n) build worst case, ~10 ms for M = 65537.
 */
export class Maglev implements Balancer {
  private readonly table: Int32Array;

  constructor(private readonly backends: readonly BackendRuntime[]) {
    const m = MAGLEV_TABLE_SIZE;
    this.table = new Int32Array(m).fill(-1);
    const live = backends.map((b, index) => ({ b, index })).filter((x) => x.b.weight > 0);
    if (live.length === 0) return;
    const maxWeight = Math.max(...live.map((x) => x.b.weight));
    const offset = live.map((x) => hash32(x.b.id, 0x9e3779b9) % m);
    const skip = live.map((x) => (hash32(x.b.id, 0x85ebca6b) % (m - 1)) + 1);
    const next = new Array<number>(live.length).fill(0);
    const credit = new Array<number>(live.length).fill(0);
    let filled = 0;
    while (filled < m) {
      for (let i = 0; i < live.length && filled < m; i++) {
        const entry = live[i] as { b: BackendRuntime; index: number };
        credit[i] = (credit[i] as number) + entry.b.weight / maxWeight;
        if ((credit[i] as number) < 1) continue;
        credit[i] = (credit[i] as number) - 1;
        let slot = ((offset[i] as number) + (next[i] as number) * (skip[i] as number)) % m;
        while (this.table[slot] !== -1) {
          next[i] = (next[i] as number) + 1;
          slot = ((offset[i] as number) + (next[i] as number) * (skip[i] as number)) % m;
        }
        this.table[slot] = entry.index;
        next[i] = (next[i] as number) + 1;
        filled++;
      }
    }
  }

  pick(ctx: PickContext): BackendRuntime | undefined {
    if (this.backends.length === 0) return undefined;
    const m = MAGLEV_TABLE_SIZE;
    let h = ctx.hash >>> 0;
    for (let attempt = 0; attempt < 8; attempt++) {
      const index = this.table[h % m] as number;
      if (index >= 0) {
        const b = this.backends[index] as BackendRuntime;
        if (eligible(b, ctx)) return b;
      }
      h = Math.imul(h ^ (h >>> 16), 0x45d9f3b) >>> 0;
    }
    for (let i = 0; i < this.backends.length; i++) {
      const b = this.backends[(ctx.hash + i) % this.backends.length] as BackendRuntime;
      if (eligible(b, ctx)) return b;
    }
    return undefined;
  }
}
