import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { applyRolloutEvent } from "../../src/domain/rollouts/apply-rollout-event";
import { startTestApi, type TestApi } from "../support";

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi();
});
afterAll(() => api.close());

describe("a rollout fed its controller's ticks", () => {
  it("writes its row only when a tick changes something", async () => {
    const operator = api.as("operator");
    const pool = await operator.pools.create({ name: "ticked" });
    await operator.backends.add({ poolId: pool.item.id, host: "10.8.0.1", port: 80, versionLabel: "v1" });
    await operator.backends.add({ poolId: pool.item.id, host: "10.8.0.2", port: 80, versionLabel: "v2" });
    const created = await operator.rollouts.create({
      poolId: pool.item.id,
      strategy: "canary",
      stableVersion: "v1",
      newVersion: "v2",
      steps: [{ setWeight: 10 }, { pause: {} }, { setWeight: 50 }],
    } as never);
    await operator.rollouts.start({ id: created.id });
    const row = () => api.db.rollout.findUniqueOrThrow({ where: { id: created.id } });
    const tick = (now: number, event: Parameters<typeof applyRolloutEvent>[0]["event"] = { type: "tick" }) =>
      applyRolloutEvent({ db: api.db, rolloutId: created.id, event, actor: "system", now });
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
