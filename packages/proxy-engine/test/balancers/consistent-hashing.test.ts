import { describe, expect, it } from "vitest";
import type { BackendRuntime } from "../../src/backend";
import type { Balancer } from "../../src/balancers";
import { IpHash } from "../../src/balancers/ip-hash";
import { Maglev } from "../../src/balancers/maglev";
import { RingHash } from "../../src/balancers/ring-hash";
import { hash32 } from "../../src/util/hash";
import { ctx, runtimes } from "../support/balancer";

const KEYS = Array.from({ length: 10_000 }, (_, i) => hash32(`10.0.${i >> 8}.${i & 255}`));

function assignment(balancer: Balancer): string[] {
  return KEYS.map((hash) => balancer.pick(ctx({ hash }))?.id ?? "none");
}

describe.each([
  ["ring_hash", (b: readonly BackendRuntime[]) => new RingHash(b), 0],
  ["maglev", (b: readonly BackendRuntime[]) => new Maglev(b), 0.03],
])("%s", (_name, build, fringe) => {
  it("sends a key to the same backend every time", () => {
    const balancer = build(runtimes([1, 1, 1, 1, 1]));
    expect(assignment(balancer)).toEqual(assignment(balancer));
  });

  it("moves only the removed backend's keys (plus a small fringe) when one of five goes", () => {
    const all = runtimes([1, 1, 1, 1, 1]);
    const before = assignment(build(all));
    const after = assignment(build(all.filter((b) => b.id !== "b2")));
    let movedOthers = 0;
    before.forEach((owner, i) => {
      if (owner !== "b2" && after[i] !== owner) movedOthers++;
    });
    expect(movedOthers / KEYS.length).toBeLessThanOrEqual(fringe);
    expect(after.includes("b2")).toBe(false);
  });

  it("moves about 1/n of the keys when a sixth backend arrives", () => {
    const five = runtimes([1, 1, 1, 1, 1, 1]).slice(0, 5);
    const six = runtimes([1, 1, 1, 1, 1, 1]);
    const before = assignment(build(five));
    const after = assignment(build(six));
    const moved = before.filter((owner, i) => after[i] !== owner).length / KEYS.length;
    expect(moved).toBeGreaterThan(0.1);
    expect(moved).toBeLessThan(1 / 6 + 0.05);
  });

  it("keeps a key's backend while another backend is down (no remap of healthy owners)", () => {
    const all = runtimes([1, 1, 1, 1, 1]);
    const balancer = build(all);
    const before = assignment(balancer);
    all[2]!.healthy = false;
    const after = assignment(balancer);
    before.forEach((owner, i) => {
      if (owner !== "b2") expect(after[i]).toBe(owner);
    });
  });
});

describe("ip_hash", () => {
  it("keeps a client on its backend while that backend is up, whatever happens to the others", () => {
    const all = runtimes([1, 1, 1]);
    const balancer = new IpHash(all);
    const before = assignment(balancer);
    all[1]!.healthy = false;
    const after = assignment(balancer);
    before.forEach((owner, i) => {
      if (owner !== "b1") expect(after[i]).toBe(owner);
      else expect(after[i]).not.toBe("b1");
    });
  });
});
