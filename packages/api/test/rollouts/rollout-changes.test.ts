import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { applyRolloutEvent } from "../../src/domain/rollouts/apply-rollout-event";
import { startTestApi, type TestApi } from "../support";

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi();
});
afterAll(() => api.close());

/** A canary v1 → v2 (10%, pause until promoted, 50%) on a new pool, started by an operator. */
async function startedCanary(name: string, subnet: number) {
  const operator = api.as("operator");
  const pool = await operator.pools.create({ name });
  await operator.backends.add({ poolId: pool.item.id, host: `10.${subnet}.0.1`, port: 80, versionLabel: "v1" });
  await operator.backends.add({ poolId: pool.item.id, host: `10.${subnet}.0.2`, port: 80, versionLabel: "v2" });
  const rollout = await operator.rollouts.create({
    poolId: pool.item.id,
    strategy: "canary",
    stableVersion: "v1",
    newVersion: "v2",
    steps: [{ setWeight: 10 }, { pause: {} }, { setWeight: 50 }],
  } as never);
  await operator.rollouts.start({ id: rollout.id });
  return { poolId: pool.item.id, rolloutId: rollout.id };
}

describe("a rollout fed its controller's ticks", () => {
  it("writes its row only when a tick changes something", async () => {
    const { rolloutId } = await startedCanary("ticked", 8);
    const row = () => api.db.rollout.findUniqueOrThrow({ where: { id: rolloutId } });
    const tick = (now: number, event: Parameters<typeof applyRolloutEvent>[0]["event"] = { type: "tick" }) =>
      applyRolloutEvent({ db: api.db, rolloutId: rolloutId, event, actor: "system", now });
    const started = await row();
    expect(started.currentWeight).toBe(10);
    expect(started.stepStartedAt).toBeNull();

    // Waiting for the agents to ack 10%: ticks change nothing and write nothing.
    for (let i = 1; i <= 5; i++) expect((await tick(Date.now() + i * 1000)).changed).toBe(false);
    expect(await row()).toEqual(started);

    // The agents acked: the step starts, the row moves on.
    const acked = await tick(Date.now(), { type: "agentsAcked", weight: 10 });
    expect(acked.changed).toBe(true);

    const waiting = await row();
    expect(waiting.version).toBe(started.version + 1);
    expect(waiting.stepStartedAt).not.toBeNull();

    // Then it pauses until promoted: the first tick gets there, later ones write nothing.
    await tick(Date.now() + 1000);
    const paused = await row();
    expect(paused.status).toBe("paused");
    for (let i = 2; i <= 6; i++) expect((await tick(Date.now() + i * 1000)).changed).toBe(false);
    expect(await row()).toEqual(paused);
  });
});

describe("a split moved by hand during a rollout", () => {
  it("pauses the rollout in the same change and says who moved it where", async () => {
    const operator = api.as("operator");
    const { poolId, rolloutId } = await startedCanary("by-hand", 7);
    const current = await operator.pools.get({ id: poolId });
    await operator.pools.update({
      id: current.id,
      version: current.version,
      trafficSplit: { stableVersion: "v1", canaryVersion: "v2", canaryPercent: 40 },
    });
    const after = await operator.rollouts.get({ id: rolloutId });
    expect(after.status).toBe("paused");
    expect(after.message).toContain("operator@weir.test to 40% v2");
    const audit = await api.as("admin").audit.list({ action: "rollout.manual_split" });
    expect(audit.items.map((e) => e.targetId)).toContain(rolloutId);
  });
});
