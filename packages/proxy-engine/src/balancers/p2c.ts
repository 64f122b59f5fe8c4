import type { BackendRuntime } from "../backend";
import type { Rng } from "../util/clock";
import { eligible, type PickContext } from "./types";

/**
 * Power of two choices: draw two distinct backends at random, keep the one `cost` rates lower.
 * Near-least-loaded balance at O(1) cost, and no herd onto one "best" backend when many proxies
 * share stale views. When a drawn backend cannot take the request the other one does; when neither
 * can, a scan from a random start takes the cheapest eligible one (O(n), only while backends are
 * down), so P2C never answers 503 while a backend is up.
 */
export function pickTwoChoices(
  backends: readonly BackendRuntime[],
  ctx: PickContext,
  rng: Rng,
  cost: (b: BackendRuntime, now: number) => number,
): BackendRuntime | undefined {
  const n = backends.length;
  if (n === 0) return undefined;
  const i = Math.floor(rng() * n);
  const a = backends[i] as BackendRuntime;
  if (n === 1) return eligible(a, ctx) ? a : undefined;
  let j = Math.floor(rng() * (n - 1));
  if (j >= i) j++;
  const b = backends[j] as BackendRuntime;
  const okA = eligible(a, ctx);
  const okB = eligible(b, ctx);
  if (okA && okB) return cost(b, ctx.now) < cost(a, ctx.now) ? b : a;
  if (okA) return a;
  if (okB) return b;
  let best: BackendRuntime | undefined;
  let bestCost = Number.POSITIVE_INFINITY;
  for (let k = 0; k < n; k++) {
    const c = backends[(i + k) % n] as BackendRuntime;
    if (!eligible(c, ctx)) continue;
    const cc = cost(c, ctx.now);
    if (cc < bestCost) {
      best = c;
      bestCost = cc;
    }
  }
  return best;
}
