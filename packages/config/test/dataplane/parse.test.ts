import { describe, expect, it } from "vitest";
import {
  circuitBreakerSchema,
  healthCheckSchema,
  outlierSchema,
  parseEngineConfig,
  retrySchema,
  stickinessSchema,
  timeoutsSchema,
  trafficSplitSchema,
  WeirConfigError,
} from "../../src";

const minimal = {
  version: 3,
  listeners: [{ name: "web", bind: { port: 8080 }, routes: [{ name: "all", pool: "api" }] }],
  pools: [{ name: "api", backends: [{ id: "a", address: { host: "10.0.0.1", port: 80 } }] }],
};

function issuesOf(input: unknown): string[] {
  try {
    parseEngineConfig(input);
  } catch (err) {
    expect(err).toBeInstanceOf(WeirConfigError);
    expect((err as WeirConfigError).code).toBe("WEIR_E_INVALID_CONFIG");
    return [...(err as WeirConfigError).issues];
  }
  throw new Error("config was accepted");
}

describe("parseEngineConfig", () => {
  it("applies every default and freezes the result deeply", () => {
    const config = parseEngineConfig(minimal);
    const pool = config.pools[0]!;
    expect(pool.algorithm).toBe("round_robin");
    expect(pool.healthCheck).toEqual(healthCheckSchema.parse({}));
    expect(pool.backends[0]).toEqual({
      id: "a",
      address: { host: "10.0.0.1", port: 80 },
      weight: 1,
      version: "v1",
      state: "active",
    });
    expect(config.listeners[0]).toMatchObject({
      protocol: "http",
      bind: { host: "0.0.0.0", port: 8080 },
      limits: { maxHeaderBytes: 16384 },
    });
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(pool.backends[0]!.address)).toBe(true);
    expect(() => {
      (pool as { algorithm: string }).algorithm = "random";
    }).toThrow(TypeError);
  });

  it.each([
    ["an unknown key", { ...minimal, extra: true }, '(root): Unrecognized key: "extra"'],
    [
      "an unknown algorithm",
      { ...minimal, pools: [{ name: "api", algorithm: "fastest" }] },
      /^pools\[0\]\.algorithm: Invalid option/,
    ],
    [
      "a bad backend state",
      { ...minimal, pools: [{ name: "api", backends: [{ id: "a", address: { host: "h", port: 1 }, state: "off" }] }] },
      /^pools\[0\]\.backends\[0\]\.state: /,
    ],
    [
      "a port out of range",
      { ...minimal, listeners: [{ name: "web", bind: { port: 70000 } }] },
      /^listeners\[0\]\.bind\.port: /,
    ],
    [
      "a route to an unknown pool",
      { ...minimal, listeners: [{ name: "web", bind: { port: 1 }, routes: [{ name: "r", pool: "nope" }] }] },
      'listeners[0].routes[0].pool: unknown pool "nope"',
    ],
    [
      "two pools with one name",
      { ...minimal, pools: [{ name: "api" }, { name: "api" }] },
      'pools[1].name: duplicate pool name "api"',
    ],
    [
      "two backends with one id",
      {
        ...minimal,
        pools: [
          {
            name: "api",
            backends: [
              { id: "a", address: { host: "h", port: 1 } },
              { id: "a", address: { host: "h", port: 2 } },
            ],
          },
        ],
      },
      'pools[0].backends[1].id: duplicate backend id "a" in pool "api"',
    ],
    [
      "two listeners on one port",
      {
        ...minimal,
        listeners: [
          { name: "a", bind: { port: 80 } },
          { name: "b", bind: { port: 80 } },
        ],
      },
      'listeners[1].bind.port: port 80 is already used by listener "a"',
    ],
    [
      "a tcp listener without defaultPool",
      { ...minimal, listeners: [{ name: "t", protocol: "tcp", bind: { port: 5432 } }] },
      "listeners[0].defaultPool: is required for a tcp listener",
    ],
    [
      "a split between one version",
      {
        ...minimal,
        pools: [{ name: "api", trafficSplit: { stableVersion: "v1", canaryVersion: "v1", canaryPercent: 5 } }],
      },
      "pools[0].trafficSplit.canaryVersion: must differ from stableVersion",
    ],
    [
      "a canary over 100%",
      {
        ...minimal,
        pools: [{ name: "api", trafficSplit: { stableVersion: "v1", canaryVersion: "v2", canaryPercent: 120 } }],
      },
      /^pools\[0\]\.trafficSplit\.canaryPercent: /,
    ],
    [
      "a header rate limit without a header",
      {
        ...minimal,
        listeners: [
          {
            name: "web",
            bind: { port: 1 },
            routes: [{ name: "r", pool: "api", rateLimit: { requestsPerSecond: 1, burst: 1, key: "header" } }],
          },
        ],
      },
      "listeners[0].routes[0].rateLimit.headerName: is required when key is header",
    ],
    [
      "a ring hash on a header with no name",
      { ...minimal, pools: [{ name: "api", algorithm: "ring_hash", hashOn: { source: "header" } }] },
      "pools[0].hashOn.name: name is required when source is header or cookie",
    ],
    [
      "a header value with CRLF",
      {
        ...minimal,
        listeners: [
          {
            name: "web",
            bind: { port: 1 },
            routes: [{ name: "r", pool: "api", requestHeaders: { add: { "x-a": "b\r\nx: y" } } }],
          },
        ],
      },
      /^listeners\[0\]\.routes\[0\]\.requestHeaders\.add\.x-a: must not contain CR, LF/,
    ],
  ])("refuses %s, naming the field", (_name, input, expected) => {
    const issues = issuesOf(input);
    if (typeof expected === "string") expect(issues).toContain(expected);
    else
      expect(
        issues.some((i) => expected.test(i)),
        issues.join("\n"),
      ).toBe(true);
  });

  it("lists every issue at once", () => {
    const issues = issuesOf({
      version: -1,
      listeners: [{ name: "", bind: {} }],
      pools: [{ name: "p", slowStartMs: 1.5 }],
    });
    expect(issues.length).toBeGreaterThanOrEqual(4);
    expect(issues.join("\n")).toMatch(/version/);
    expect(issues.join("\n")).toMatch(/listeners\[0\]\.name/);
    expect(issues.join("\n")).toMatch(/listeners\[0\]\.bind\.port/);
    expect(issues.join("\n")).toMatch(/pools\[0\]\.slowStartMs/);
  });

  it("exports each pool sub-schema for the control plane's JSON columns, with defaults", () => {
    expect(outlierSchema.parse({})).toMatchObject({ consecutive5xx: 5, maxEjectedPercent: 50 });
    expect(retrySchema.parse({})).toMatchObject({ attempts: 2, budgetPercent: 20 });
    expect(timeoutsSchema.parse({})).toEqual({ connectMs: 2000, firstByteMs: 30000, idleMs: 60000 });
    expect(circuitBreakerSchema.parse({})).toMatchObject({ maxConnections: 256 });
    expect(stickinessSchema.parse({})).toMatchObject({ enabled: false, cookieName: "weir_sticky" });
    expect(trafficSplitSchema.parse({ stableVersion: "v1", canaryVersion: "v2", canaryPercent: 10 })).toMatchObject({
      stickyOn: "client_ip",
    });
    expect(() => timeoutsSchema.parse({ connectMs: 0 })).toThrow();
  });
});
