import { type Backend, backendSchema, circuitBreakerSchema } from "@weir/config";
import { BackendRuntime } from "../../src/backend";
import type { PickContext } from "../../src/balancers";

export function runtimes(weights: readonly number[], extra: Partial<Backend> = {}): BackendRuntime[] {
  const breaker = circuitBreakerSchema.parse({});
  return weights.map((weight, i) => {
    const config = backendSchema.parse({
      id: `b${i}`,
      address: { host: "127.0.0.1", port: 1000 + i },
      weight,
      ...extra,
    });
    return new BackendRuntime("p", config, breaker, 0);
  });
}

export function ctx(over: Partial<PickContext> = {}): PickContext {
  return { now: 1_000_000, hash: 0, panic: false, tried: [], ...over };
}

/** Counts picks per backend id. */
export function tally(pick: () => BackendRuntime | undefined, n: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (let i = 0; i < n; i++) {
    const b = pick();
    const key = b?.id ?? "none";
    out[key] = (out[key] ?? 0) + 1;
  }
  return out;
}
