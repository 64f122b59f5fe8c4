import { describe, expect, it } from "vitest";
import { LeastConnections } from "../../src/balancers/least-connections";
import { P2CLeastRequest } from "../../src/balancers/p2c-least-request";
import { PeakEwma } from "../../src/balancers/peak-ewma";
import { seededRng } from "../../src/util/clock";
import { ctx, runtimes, tally } from "../support/balancer";

describe("least connections", () => {
  it.each([
    [[1, 1, 1], [5, 0, 2], "b1"],
    [[1, 1, 1], [1, 1, 0], "b2"],
    // Per unit of weight: 4/4 = 1 beats 2/1 = 2.
    [[4, 1], [4, 2], "b0"],
  ])("weights %j, in flight %j → %s", (weights, inFlight, expected) => {
    const backends = runtimes(weights);
    backends.forEach((b, i) => {
      b.inFlight = inFlight[i] as number;
    });
    expect(new LeastConnections(backends).pick(ctx())?.id).toBe(expected);
  });

  it("skips a backend at its circuit-breaker limit", () => {
    const backends = runtimes([1, 1]);
    backends[0]!.maxRequests = 1;
    backends[0]!.inFlight = 1;
    backends[1]!.inFlight = 10;
    expect(new LeastConnections(backends).pick(ctx())?.id).toBe("b1");
  });
});

describe("power of two choices, least request", () => {
  it("never picks the most loaded of three backends when the other two are idle", () => {
    const backends = runtimes([1, 1, 1]);
    backends[2]!.inFlight = 50;
    const balancer = new P2CLeastRequest(backends, seededRng(11));
    const counts = tally(() => balancer.pick(ctx()), 3000);
    // b2 wins only when drawn... never: any pair containing b2 has a lighter member.
    expect(counts.b2).toBeUndefined();
  });
});

describe("peak EWMA", () => {
  it("moves traffic away from a backend whose latency spiked", () => {
    const backends = runtimes([1, 1, 1]);
    for (const b of backends) b.observeLatency(5, 999_000, 10_000);
    backends[0]!.observeLatency(500, 999_999, 10_000);
    const balancer = new PeakEwma(backends, seededRng(5));
    const counts = tally(() => balancer.pick(ctx()), 3000);
    expect(counts.b0).toBeUndefined();
    expect((counts.b1 ?? 0) + (counts.b2 ?? 0)).toBe(3000);
  });

  it("probes a backend never measured, and again one whose slow sample is old", () => {
    const backends = runtimes([1, 1]);
    backends[0]!.observeLatency(5, 999_000, 10_000);
    const balancer = new PeakEwma(backends, seededRng(5));
    expect(balancer.pick(ctx())?.id).toBe("b1");
    backends[1]!.observeLatency(500, 0, 10_000);
    backends[0]!.observeLatency(5, 1_099_999, 10_000);
    // 110 s later b1's 500 ms sample has decayed below b0's fresh 5 ms.
    expect(balancer.pick(ctx({ now: 1_100_000 }))?.id).toBe("b1");
  });

  it("is peak-sensitive: one slow sample raises the average at once, fast ones decay it", () => {
    const [b] = runtimes([1]);
    b!.observeLatency(10, 0, 10_000);
    b!.observeLatency(100, 1, 10_000);
    expect(b!.ewmaMs).toBe(100);
    b!.observeLatency(10, 10_001, 10_000);
    expect(b!.ewmaMs).toBeGreaterThan(10);
    expect(b!.ewmaMs).toBeLessThan(100 * Math.exp(-1) + 10);
  });
});
