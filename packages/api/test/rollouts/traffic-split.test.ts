import { type TrafficSplit, trafficSplitSchema } from "@weir/config";
import { rolloutSpecSchema } from "@weir/config/api";
import { describe, expect, it } from "vitest";
import type { RoutingAction } from "../../src/rollouts/machine";
import { trafficSplitFor } from "../../src/rollouts/traffic-split";

const canary = (extra: Record<string, unknown> = {}) =>
  rolloutSpecSchema.parse({
    poolId: "pool_1",
    stableVersion: "v1",
    newVersion: "v2",
    strategy: "canary",
    steps: [{ setWeight: 10 }],
    ...extra,
  });
const blueGreen = rolloutSpecSchema.parse({
  poolId: "pool_1",
  stableVersion: "v1",
  newVersion: "v2",
  strategy: "blue_green",
  blueGreen: { previewMatch: { cookie: { name: "preview" } } },
});
const operatorSplit: TrafficSplit = trafficSplitSchema.parse({
  stableVersion: "v0",
  canaryVersion: "v1",
  canaryPercent: 0,
  stickyOn: "header",
  stickyName: "x-user",
});

describe("trafficSplitFor", () => {
  it.each<[string, ReturnType<typeof canary>, RoutingAction, TrafficSplit | null, Partial<TrafficSplit>]>([
    [
      "a canary weight with the tester header, sticky on client IP",
      canary({ match: { header: { name: "x-canary" } } }),
      { type: "setSplit", canaryPercent: 25 },
      null,
      {
        stableVersion: "v1",
        canaryVersion: "v2",
        canaryPercent: 25,
        overrideHeader: "x-canary",
        overrideCookie: "weir_version",
        stickyOn: "client_ip",
      },
    ],
    [
      "a canary that keeps the pool's sticky key",
      canary(),
      { type: "setSplit", canaryPercent: 50 },
      operatorSplit,
      { canaryPercent: 50, overrideHeader: "x-weir-version", stickyOn: "header", stickyName: "x-user" },
    ],
    [
      "a canary without stickiness draws per request",
      canary({ sticky: false, match: { cookie: { name: "canary", value: "v2" } } }),
      { type: "setSplit", canaryPercent: 10 },
      operatorSplit,
      { stickyOn: "none", overrideCookie: "canary", overrideHeader: "x-weir-version" },
    ],
    [
      "a blue-green preview: 0% plus the preview cookie",
      blueGreen,
      { type: "setPreview", version: "v2" },
      null,
      { stableVersion: "v1", canaryVersion: "v2", canaryPercent: 0, overrideCookie: "preview" },
    ],
    [
      "a switch to the new version names it stable",
      blueGreen,
      { type: "switchTo", version: "v2" },
      null,
      { stableVersion: "v2", canaryVersion: "v1", canaryPercent: 0, overrideCookie: "weir_version" },
    ],
    [
      "an abort drops the tester match",
      canary({ match: { header: { name: "x-canary" } } }),
      { type: "switchTo", version: "v1" },
      null,
      { stableVersion: "v1", canaryVersion: "v2", canaryPercent: 0, overrideHeader: "x-weir-version" },
    ],
  ])("%s", (_name, spec, routing, current, expected) => {
    const split = trafficSplitFor(spec, routing, current);
    expect(split).toMatchObject(expected);
    // What the rollout pushes is a split the data plane accepts as is.
    expect(trafficSplitSchema.parse(split)).toEqual(split);
  });
});
