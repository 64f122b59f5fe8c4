import { describe, expect, it } from "vitest";
import { WeightedRoundRobin } from "../../src/balancers/weighted-round-robin";
import { ctx, runtimes } from "../support/balancer";

describe("smooth weighted round robin", () => {
  it.each([
    [[5, 1, 1], "b0 b0 b1 b0 b2 b0 b0"],
    [[3, 2, 1], "b0 b1 b0 b2 b1 b0"],
    [[1, 1], "b0 b1"],
  ])("weights %j rotate as NGINX does: %s", (weights, sequence) => {
    const balancer = new WeightedRoundRobin(runtimes(weights));
    const picks = sequence.split(" ").map(() => balancer.pick(ctx())?.id);
    expect(picks.join(" ")).toBe(sequence);
  });

  it("ramps a slow-starting backend from 10% of its weight", () => {
    const backends = runtimes([1, 1]);
    backends[1]!.slowStartMs = 10_000;
    backends[1]!.warmSince = 1_000_000; // ramp starts now: weight 0.1
    const balancer = new WeightedRoundRobin(backends);
    let warm = 0;
    for (let i = 0; i < 1100; i++) if (balancer.pick(ctx({ now: 1_000_000 }))?.id === "b1") warm++;
    expect(warm).toBe(100);
    let full = 0;
    for (let i = 0; i < 1000; i++) if (balancer.pick(ctx({ now: 1_010_000 }))?.id === "b1") full++;
    expect(full).toBe(500);
  });
});
