import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  analysisVerdictSchema,
  createRolloutInputSchema,
  rolloutColumns,
  rolloutSpecFromColumns,
  rolloutSpecSchema,
  rolloutStatusSchema,
  rolloutStrategySchema,
} from "@weir/config/api";
import { describe, expect, it } from "vitest";

const canary = {
  poolId: "pool_1",
  stableVersion: "v1",
  newVersion: "v2",
  strategy: "canary",
  steps: [{ setWeight: 10 }, { pause: { durationMs: 60_000 } }, { setWeight: 50 }, { analysis: { windowMs: 30_000 } }],
};
const blueGreen = {
  poolId: "pool_1",
  stableVersion: "v1",
  newVersion: "v2",
  strategy: "blue_green",
  blueGreen: { previewMatch: { header: { name: "x-preview" } }, autoPromoteAfterMs: 60_000 },
};

/** What an API caller sees: "field: message" per issue, as the tRPC error formatter writes it. */
function problems(input: unknown): string[] {
  const result = createRolloutInputSchema.safeParse(input);
  return result.success ? [] : result.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
}

describe("rollout definition", () => {
  it("fills the defaults an operator leaves out", () => {
    const spec = rolloutSpecSchema.parse(canary);
    expect(spec).toMatchObject({ match: null, sticky: true });
    expect(spec.analysis).toEqual({
      minSuccessRate: 0.99,
      minRequests: 100,
      failureLimit: 3,
      intervalMs: 5_000,
      windowMs: 30_000,
    });
    const bg = rolloutSpecSchema.parse(blueGreen);
    expect(bg.strategy === "blue_green" && bg.blueGreen.holdMs).toBe(300_000);
  });

  it("accepts a last weight below 100 (completion goes to 100) and a pause until promoted", () => {
    expect(problems({ ...canary, steps: [{ setWeight: 5 }, { pause: {} }] })).toEqual([]);
  });

  it.each([
    ["no steps", { ...canary, steps: [] }, "steps: must have at least one step"],
    ["no setWeight", { ...canary, steps: [{ pause: {} }] }, "steps: must contain at least one setWeight step"],
    ["weight above 100", { ...canary, steps: [{ setWeight: 150 }] }, "steps.0.setWeight: must be 0 to 100"],
    ["fractional weight", { ...canary, steps: [{ setWeight: 12.5 }] }, "steps.0.setWeight: must be a whole percent"],
    [
      "decreasing weights",
      { ...canary, steps: [{ setWeight: 50 }, { pause: {} }, { setWeight: 20 }] },
      "steps.2.setWeight: must be at least 50 (the weight before it): weights never decrease; abort returns traffic to stable",
    ],
    [
      "two kinds in one step",
      { ...canary, steps: [{ setWeight: 10, pause: {} }] },
      "steps.0: a step must have only one of setWeight, pause or analysis, not setWeight and pause",
    ],
    ["an empty step", { ...canary, steps: [{}] }, "steps.0: a step must have one of setWeight, pause or analysis"],
    [
      "a pause duration of the wrong type",
      { ...canary, steps: [{ setWeight: 10 }, { pause: { durationMs: "1m" } }] },
      "steps.1.pause.durationMs: must be a whole number of milliseconds",
    ],
    [
      "a pause too long",
      { ...canary, steps: [{ setWeight: 10 }, { pause: { durationMs: 30 * 86_400_000 } }] },
      "steps.1.pause.durationMs: must be 1000 to 604800000 ms (1 s to 7 days)",
    ],
    [
      "an analysis window under a second",
      { ...canary, steps: [{ setWeight: 10 }, { analysis: { windowMs: 10 } }] },
      "steps.1.analysis.windowMs: must be 1000 to 86400000 ms (1 s to 24 h)",
    ],
    [
      "analysis with no traffic to judge",
      { ...canary, steps: [{ setWeight: 0 }, { analysis: { windowMs: 30_000 } }, { setWeight: 10 }] },
      "steps.1.analysis: has no traffic to judge: put a setWeight above 0 before it, or set a match",
    ],
    ["the same version twice", { ...canary, newVersion: "v1" }, "newVersion: must differ from stableVersion"],
    [
      "a bad version label",
      { ...canary, newVersion: "v 2" },
      "newVersion: must be letters, digits, '.', '_' and '-', starting with a letter or digit",
    ],
    [
      "a match naming another version",
      { ...canary, match: { header: { name: "x-canary", value: "yes" } } },
      'match.header.value: must be the new version\'s label "v2" (or be left out): the data plane routes a request whose override names a version to that version',
    ],
    [
      "a match header that is not a header name",
      { ...canary, match: { header: { name: "x canary" } } },
      "match.header.name: must be a valid HTTP header name (RFC 9110 token)",
    ],
    [
      "a match with header and cookie",
      { ...canary, match: { header: { name: "x-canary" }, cookie: { name: "canary" } } },
      "match: a match must have only one of header or cookie, not header and cookie",
    ],
    ["an unknown strategy", { ...canary, strategy: "rolling" }, 'strategy: must be "canary" or "blue_green"'],
    ["a sticky flag on blue-green", { ...blueGreen, sticky: true }, ': Unrecognized key: "sticky"'],
    [
      "blue-green without a preview match",
      { ...blueGreen, blueGreen: { holdMs: 0 } },
      "blueGreen.previewMatch: Invalid input: expected object, received undefined",
    ],
    [
      "a preview cookie naming another version",
      { ...blueGreen, blueGreen: { previewMatch: { cookie: { name: "preview", value: "v3" } } } },
      'blueGreen.previewMatch.cookie.value: must be the new version\'s label "v2" (or be left out): the data plane routes a request whose override names a version to that version',
    ],
    [
      "an auto-promotion delay under a second",
      { ...blueGreen, blueGreen: { ...blueGreen.blueGreen, autoPromoteAfterMs: 5 } },
      "blueGreen.autoPromoteAfterMs: must be 1000 to 604800000 ms (1 s to 7 days)",
    ],
    [
      "a success rate in percent",
      { ...canary, analysis: { minSuccessRate: 99 } },
      "analysis.minSuccessRate: must be 0 to 1 (0.99 = 99%)",
    ],
    [
      "a window shorter than the interval",
      { ...canary, analysis: { intervalMs: 10_000, windowMs: 5_000 } },
      "analysis.windowMs: must be at least intervalMs (10000) so every request is judged by some check",
    ],
    [
      "p99 below p95",
      { ...canary, analysis: { maxP95Ms: 300, maxP99Ms: 200 } },
      "analysis.maxP99Ms: must be at least maxP95Ms (300): p99 is never below p95",
    ],
    [
      "a latency ratio below 1",
      { ...canary, analysis: { maxLatencyRatio: 0.5 } },
      "analysis.maxLatencyRatio: must be at least 1 (1.5 = 50% slower)",
    ],
    [
      "no failure allowed to count",
      { ...canary, analysis: { failureLimit: 0 } },
      "analysis.failureLimit: must be 1 to 1000",
    ],
  ])("refuses %s, naming the field", (_name, input, message) => {
    expect(problems(input)).toContain(message);
  });

  it.each([
    ["canary", { ...canary, match: { cookie: { name: "canary", value: "v2" } }, sticky: false }],
    ["blue-green", blueGreen],
  ])("round-trips a %s definition through the row's columns", (_name, input) => {
    const spec = rolloutSpecSchema.parse(input);
    const columns = JSON.parse(JSON.stringify(rolloutColumns(spec)));
    expect(rolloutSpecFromColumns(columns)).toEqual(spec);
  });

  it("stores blue-green settings in the steps column, as the model documents", () => {
    const columns = rolloutColumns(rolloutSpecSchema.parse(blueGreen));
    expect(columns).toMatchObject({ strategy: "blue_green", match: null, steps: { holdMs: 300_000 } });
  });

  it("refuses a row whose JSON no longer validates, naming the column", () => {
    const columns = rolloutColumns(rolloutSpecSchema.parse(canary));
    expect(() => rolloutSpecFromColumns({ ...columns, steps: [{ setWeight: "ten" }] })).toThrow(/steps/);
  });

  it("reads an empty analysis column ({} is the column default) as the default thresholds", () => {
    const columns = rolloutColumns(rolloutSpecSchema.parse(canary));
    expect(rolloutSpecFromColumns({ ...columns, analysis: {} }).analysis.minSuccessRate).toBe(0.99);
  });
});

describe("enums match prisma/schema.prisma", () => {
  const prisma = readFileSync(join(__dirname, "../../../../prisma/schema.prisma"), "utf8");
  const enumValues = (name: string) => {
    const body = new RegExp(`enum ${name} \\{([^}]*)\\}`).exec(prisma)?.[1] ?? "";
    return body
      .split("\n")
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith("//"));
  };
  it.each([
    ["RolloutStatus", rolloutStatusSchema.options],
    ["RolloutStrategy", rolloutStrategySchema.options],
    ["AnalysisVerdict", analysisVerdictSchema.options],
  ])("%s", (name, options) => {
    expect(enumValues(name)).toEqual([...options]);
  });
});
