import { outlierSchema, poolSchema } from "@weir/config";
import { describe, expect, it } from "vitest";
import { Series } from "../../src/metrics/series";
import { PoolRuntime, PoolShared } from "../../src/pool";
import { seededRng } from "../../src/util/clock";
import { runtimes } from "../support/balancer";

function pool(n: number, outlier = {}, extra = {}) {
  const backends = runtimes(Array.from({ length: n }, () => 1));
  const config = poolSchema.parse({ name: "p", outlier: outlierSchema.parse(outlier), ...extra });
  const ejected: string[] = [];
  const runtime = new PoolRuntime(config, backends, new PoolShared(new Series()), seededRng(1), (b) =>
    ejected.push(b.id),
  );
  return { runtime, backends, ejected };
}

describe("passive outlier detection", () => {
  it("ejects after consecutive 5xx; a success in between resets the count", () => {
    const { runtime, backends, ejected } = pool(4, { consecutive5xx: 3 });
    const b = backends[0]!;
    runtime.on5xx(b, 0);
    runtime.on5xx(b, 0);
    runtime.onSuccess(b);
    runtime.on5xx(b, 0);
    runtime.on5xx(b, 0);
    expect(ejected).toEqual([]);
    runtime.on5xx(b, 0);
    expect(ejected).toEqual(["b0"]);
    expect(b.healthState(1)).toBe("ejected");
  });

  it("doubles the ejection time with each ejection, up to the maximum, and the backend returns by itself", () => {
    const { runtime, backends } = pool(4, { consecutiveConnectFailures: 1, baseEjectionMs: 1000, maxEjectionMs: 3000 });
    const b = backends[0]!;
    const durations: number[] = [];
    let now = 0;
    for (let i = 0; i < 4; i++) {
      runtime.onConnectFailure(b, now, "ECONNREFUSED");
      durations.push(b.ejectedUntil - now);
      expect(b.isUp(b.ejectedUntil - 1, false)).toBe(false);
      expect(b.isUp(b.ejectedUntil, false)).toBe(true);
      now = b.ejectedUntil;
    }
    expect(durations).toEqual([1000, 2000, 3000, 3000]);
  });

  it("never ejects more than maxEjectedPercent of the pool, but always allows one", () => {
    const { runtime, backends, ejected } = pool(4, { consecutiveConnectFailures: 1, maxEjectedPercent: 50 });
    for (const b of backends) runtime.onConnectFailure(b, 0, "ECONNREFUSED");
    expect(ejected).toEqual(["b0", "b1"]);
    const small = pool(2, { consecutiveConnectFailures: 1, maxEjectedPercent: 10 });
    for (const b of small.backends) small.runtime.onConnectFailure(b, 0, "ECONNREFUSED");
    expect(small.ejected).toEqual(["b0"]);
  });

  it("starts a slow-start ramp when the ejection ends", () => {
    const { runtime, backends } = pool(
      2,
      { consecutiveConnectFailures: 1, baseEjectionMs: 1000 },
      { slowStartMs: 10_000 },
    );
    const b = backends[0]!;
    b.slowStartMs = 10_000;
    runtime.onConnectFailure(b, 0, "ECONNREFUSED");
    expect(b.effectiveWeight(1000)).toBeCloseTo(0.1);
    expect(b.effectiveWeight(6000)).toBeCloseTo(0.55);
    expect(b.effectiveWeight(11_000)).toBe(1);
  });
});

describe("panic mode", () => {
  it.each([
    // backends, down, threshold % → panic
    [4, 1, 50, false],
    [4, 3, 50, true],
    [2, 1, 50, false],
    [3, 2, 50, true],
    [3, 2, 0, false],
  ])("%d backends, %d down, threshold %d%% → panic %s", (n, down, panicThresholdPercent, panic) => {
    const { runtime, backends } = pool(n, {}, { panicThresholdPercent });
    for (let i = 0; i < down; i++) backends[i]!.healthy = false;
    runtime.refreshPanic(0);
    expect(runtime.shared.panic).toBe(panic);
  });
});
