import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApi, type TestApi } from "../support";

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi();
});
afterAll(() => api.close());

describe("a split moved by hand during a rollout", () => {
  it("pauses the rollout in the same change and says who moved it where", async () => {
    const operator = api.as("operator");
    const pool = await operator.pools.create({ name: "by-hand" });
    await operator.backends.add({ poolId: pool.item.id, host: "10.7.0.1", port: 80, versionLabel: "v1" });
    await operator.backends.add({ poolId: pool.item.id, host: "10.7.0.2", port: 80, versionLabel: "v2" });
    const rollout = await operator.rollouts.create({
      poolId: pool.item.id,
      strategy: "canary",
      stableVersion: "v1",
      newVersion: "v2",
      steps: [{ setWeight: 10 }, { pause: {} }, { setWeight: 50 }],
    } as never);
    await operator.rollouts.start({ id: rollout.id });
    const current = await operator.pools.get({ id: pool.item.id });
    await operator.pools.update({
      id: current.id,
      version: current.version,
      trafficSplit: { stableVersion: "v1", canaryVersion: "v2", canaryPercent: 40 },
    });
    const after = await operator.rollouts.get({ id: rollout.id });
    expect(after.status).toBe("paused");
    expect(after.message).toContain("operator@weir.test to 40% v2");
    const audit = await api.as("admin").audit.list({ action: "rollout.manual_split" });
    expect(audit.items.map((e) => e.targetId)).toContain(rollout.id);
  });
});
