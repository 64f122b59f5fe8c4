import { algorithmNames } from "@weir/config";
import { describe, expect, it } from "vitest";
import { createBalancer } from "../../src/balancers";
import { seededRng } from "../../src/util/clock";
import { hash32 } from "../../src/util/hash";
import { ctx, runtimes, tally } from "../support/balancer";

describe("createBalancer", () => {
  it.each(algorithmNames)("builds %s and never picks a backend that is down", (algorithm) => {
    const backends = runtimes([3, 2, 1]);
    (backends[1] as { healthy: boolean }).healthy = false;
    const balancer = createBalancer(algorithm, backends, { rng: seededRng(1) });
    let i = 0;
    const counts = tally(() => balancer.pick(ctx({ hash: hash32(`k${i++}`) })), 600);
    expect(counts.b1).toBeUndefined();
    expect((counts.b0 ?? 0) + (counts.b2 ?? 0)).toBe(600);
  });

  it.each(algorithmNames)("%s answers undefined when every backend is down", (algorithm) => {
    const backends = runtimes([1, 1]);
    for (const b of backends) b.healthy = false;
    expect(createBalancer(algorithm, backends, { rng: seededRng(1) }).pick(ctx())).toBeUndefined();
  });

  it.each(algorithmNames)("%s in panic mode spreads over backends that are down", (algorithm) => {
    const backends = runtimes([1, 1]);
    for (const b of backends) b.healthy = false;
    expect(createBalancer(algorithm, backends, { rng: seededRng(1) }).pick(ctx({ panic: true }))).toBeDefined();
  });

  it.each(algorithmNames)("%s skips draining and disabled backends and those already tried", (algorithm) => {
    const backends = runtimes([1, 1, 1, 1]);
    backends[0]!.adminState = "draining";
    backends[1]!.adminState = "disabled";
    const balancer = createBalancer(algorithm, backends, { rng: seededRng(3) });
    for (let i = 0; i < 50; i++) {
      expect(balancer.pick(ctx({ hash: hash32(`k${i}`), tried: [backends[2]!] }))?.id).toBe("b3");
    }
  });

  it("throws on an unknown algorithm name", () => {
    expect(() => createBalancer("fastest" as never, [], { rng: Math.random })).toThrow(
      /unknown balancing algorithm "fastest"/,
    );
  });
});

/** Share of picks per backend over n picks with weights 3:2:1 (hash keys differ per pick). */
function shares(algorithm: (typeof algorithmNames)[number], n: number, seed = 7): number[] {
  const backends = runtimes([3, 2, 1]);
  const balancer = createBalancer(algorithm, backends, { rng: seededRng(seed) });
  let i = 0;
  const counts = tally(() => balancer.pick(ctx({ hash: hash32(`client-${i++}`) })), n);
  return ["b0", "b1", "b2"].map((id) => (counts[id] ?? 0) / n);
}

describe("distribution with weights 3:2:1 over 6,000 picks", () => {
  // Expected shares and tolerance per algorithm: exact for the deterministic rotations, close for
  // the random and hashed ones (deterministic here: seeded rng, fixed keys).
  const cases: Array<[(typeof algorithmNames)[number], number[], number]> = [
    ["round_robin", [1 / 3, 1 / 3, 1 / 3], 0],
    ["weighted_round_robin", [3 / 6, 2 / 6, 1 / 6], 0],
    ["random", [3 / 6, 2 / 6, 1 / 6], 0.03],
    ["ip_hash", [3 / 6, 2 / 6, 1 / 6], 0.03],
    ["ring_hash", [3 / 6, 2 / 6, 1 / 6], 0.06],
    ["maglev", [3 / 6, 2 / 6, 1 / 6], 0.03],
    // Nothing in flight between sequential picks: P2C compares (inFlight + 1) / weight, so the
    // heavier of the two drawn always wins: b0 wins both pairs it is in (2/3), b1 wins {b1, b2}.
    ["p2c_least_request", [2 / 3, 1 / 3, 0], 0.03],
    ["least_connections", [1 / 3, 1 / 3, 1 / 3], 0.001],
  ];
  it.each(cases)("%s", (algorithm, expected, tolerance) => {
    const got = shares(algorithm, 6000);
    for (const [i, share] of got.entries()) {
      expect(Math.abs(share - (expected[i] as number))).toBeLessThanOrEqual(tolerance + 1e-9);
    }
  });
});
