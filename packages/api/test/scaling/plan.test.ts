import { type ScalingRuleSpecInput, scalingRuleSpecSchema } from "@weir/config/api";
import type { Backend } from "@weir/db";
import { describe, expect, it } from "vitest";
import { acts, planActuation, type VersionCount } from "../../src/scaling/plan";

// What an evaluation asks of its actuator, from the desired counts: pure, so every branch is
// checked here; the controller tests run the same plans against real agents and processes.

const RULE = "rule_1";
const T0 = Date.UTC(2026, 10, 23);

const actuators = {
  process: {
    kind: "process",
    agent: "edge-1",
    commandTemplate: "node apps/demo/dist/backend.mjs --port {port} --version {version}",
    portRange: { from: 9100, to: 9199 },
  },
  kubernetes: {
    kind: "kubernetes",
    apiServer: "https://k8s:6443",
    namespace: "shop",
    deployment: "web",
    port: 8080,
    tokenSecret: "t",
  },
  webhook: { kind: "webhook", url: "https://scaler.example.com/hook", secret: "0123456789abcdef" },
} as const;

function spec(kind: keyof typeof actuators, versionLabel: string | null = null) {
  return scalingRuleSpecSchema.parse({
    name: "r",
    poolId: "pool_1",
    versionLabel,
    metrics: [{ type: "rps_per_backend", target: 100 }],
    actuator: actuators[kind],
  } satisfies ScalingRuleSpecInput);
}

let nextPort = 9100;
/** A backend; `managed` ones belong to the rule, created `age` seconds after T0 (larger is newer). */
function backend(version: string, managed: boolean, age = 0): Backend {
  const port = nextPort++;
  return {
    id: `b${port}`,
    poolId: "pool_1",
    host: "127.0.0.1",
    port,
    weight: 100,
    versionLabel: version,
    state: "active",
    origin: managed ? "autoscaler" : "manual",
    metadata: managed ? { rule: RULE, actuator: "process", agent: "edge-1", port } : {},
    version: 1,
    createdAt: new Date(T0 + age * 1000),
    updatedAt: new Date(T0 + age * 1000),
  };
}

function plan(options: {
  kind: keyof typeof actuators;
  active: Backend[];
  byVersion: VersionCount[];
  split?: boolean;
  current?: number;
  desired?: number;
  kubeReplicas?: number;
  delivered?: Record<string, number>;
}) {
  const active = options.active;
  return planActuation({
    ruleId: RULE,
    spec: spec(options.kind),
    active,
    unmanaged: active.filter((b) => b.origin === "manual"),
    byVersion: options.byVersion,
    split: options.split ?? false,
    current: options.current ?? active.length,
    desired: options.desired ?? options.byVersion.reduce((sum, v) => sum + v.desired, 0),
    kubeReplicas: options.kubeReplicas ?? 0,
    delivered: options.delivered ?? {},
  });
}

const whole = (current: number, desired: number): VersionCount[] => [{ version: "v1", share: null, current, desired }];

describe("planActuation: process", () => {
  it("starts the missing backends", () => {
    const p = plan({ kind: "process", active: [backend("v1", false)], byVersion: whole(1, 3) });
    expect(p.starts).toEqual([{ version: "v1", count: 2 }]);
    expect(p.drain).toEqual([]);
    expect(acts(p)).toBe(true);
  });

  it("drains the newest of its own backends, never one added by hand", () => {
    const hand = backend("v1", false, 0);
    const older = backend("v1", true, 10);
    const newer = backend("v1", true, 20);
    const p = plan({ kind: "process", active: [hand, older, newer], byVersion: whole(3, 2) });
    expect(p.drain.map((b) => b.id)).toEqual([newer.id]);
    expect(p.note).toBe("");
  });

  it("says so when the backends added by hand keep it above the desired count", () => {
    const p = plan({
      kind: "process",
      active: [backend("v1", false), backend("v1", false), backend("v1", true, 5)],
      byVersion: whole(3, 1),
    });
    expect(p.drain).toHaveLength(1);
    expect(p.note).toBe("; 2 backends added by hand stay");
  });

  it("rebalancing across versions starts the new capacity first and drains nothing yet", () => {
    const active = [backend("v1", true, 1), backend("v1", true, 2), backend("v2", true, 3)];
    const p = plan({
      kind: "process",
      active,
      split: true,
      byVersion: [
        { version: "v1", share: 50, current: 2, desired: 1 },
        { version: "v2", share: 50, current: 1, desired: 2 },
      ],
    });
    expect(p.starts).toEqual([{ version: "v2", count: 1 }]);
    expect(p.drain).toEqual([]);
  });

  it("drains per version during a split, only that version's backends", () => {
    const v1 = backend("v1", true, 1);
    const v2old = backend("v2", true, 2);
    const v2new = backend("v2", true, 3);
    const p = plan({
      kind: "process",
      active: [v1, v2old, v2new],
      split: true,
      byVersion: [
        { version: "v1", share: 90, current: 1, desired: 1 },
        { version: "v2", share: 10, current: 2, desired: 1 },
      ],
    });
    expect(p.drain.map((b) => b.id)).toEqual([v2new.id]);
  });

  it("does nothing when every version has its count", () => {
    const p = plan({ kind: "process", active: [backend("v1", true)], byVersion: whole(1, 1) });
    expect(acts(p)).toBe(false);
  });
});

describe("planActuation: kubernetes", () => {
  it("sets the replicas that, with the backends added by hand, make the desired count", () => {
    const p = plan({
      kind: "kubernetes",
      active: [backend("v1", false), backend("v1", true), backend("v1", true)],
      byVersion: whole(3, 5),
      current: 3,
      desired: 5,
      kubeReplicas: 2,
    });
    expect(p.kubeTarget).toBe(4);
  });

  it("writes nothing when the Deployment already has that many", () => {
    expect(
      plan({ kind: "kubernetes", active: [], byVersion: whole(2, 2), current: 2, desired: 2, kubeReplicas: 2 })
        .kubeTarget,
    ).toBeUndefined();
    // Desired differs from the count seen, but the Deployment's spec already says it (pods starting).
    expect(
      plan({ kind: "kubernetes", active: [], byVersion: whole(2, 3), current: 2, desired: 3, kubeReplicas: 3 })
        .kubeTarget,
    ).toBeUndefined();
  });

  it("never asks for fewer than zero replicas", () => {
    const hand = [backend("v1", false), backend("v1", false), backend("v1", false)];
    const p = plan({
      kind: "kubernetes",
      active: hand,
      byVersion: whole(4, 2),
      current: 4,
      desired: 2,
      kubeReplicas: 1,
    });
    expect(p.kubeTarget).toBe(0);
  });
});

describe("planActuation: webhook", () => {
  it("calls when the desired count differs from the one last delivered", () => {
    const p = plan({ kind: "webhook", active: [], byVersion: whole(2, 4), delivered: { "": 2 } });
    expect(p.webhookCalls).toEqual([{ key: "", version: undefined, current: 2, desired: 4 }]);
  });

  it("stays quiet once that count was delivered, though the backends have not come yet", () => {
    const p = plan({ kind: "webhook", active: [], byVersion: whole(2, 4), delivered: { "": 4 } });
    expect(acts(p)).toBe(false);
  });

  it("during a split, one call per version whose count changed, remembered under the version", () => {
    const p = plan({
      kind: "webhook",
      active: [],
      split: true,
      byVersion: [
        { version: "v1", share: 75, current: 3, desired: 3 },
        { version: "v2", share: 25, current: 0, desired: 1 },
      ],
      delivered: { v1: 3 },
    });
    expect(p.webhookCalls).toEqual([{ key: "v2", version: "v2", current: 0, desired: 1 }]);
  });
});
