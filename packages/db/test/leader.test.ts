import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runWhileLeader } from "../src/leader";
import { startTestPostgres, type TestPostgres } from "../src/testing";

let pg: TestPostgres;
beforeAll(async () => {
  pg = await startTestPostgres();
});
afterAll(() => pg.destroy());

const until = async (condition: () => boolean) => {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise((r) => setTimeout(r, 50));
  expect(condition()).toBe(true);
};

describe("runWhileLeader", () => {
  it("runs the work on one replica only, and on another once the leader stops", async () => {
    const runs = { a: 0, b: 0 };
    const loop = (name: "a" | "b") =>
      runWhileLeader({
        url: pg.url,
        key: 4242,
        everyMs: 20,
        intervalMs: 50,
        runOnElection: true,
        work: async () => {
          runs[name]++;
        },
      });
    const a = loop("a");
    await until(() => a.isLeader() && runs.a > 2);
    const b = loop("b");
    await new Promise((r) => setTimeout(r, 300));
    expect(b.isLeader()).toBe(false);
    expect(runs.b).toBe(0);

    await a.close();
    const stoppedAt = runs.a;
    await until(() => b.isLeader() && runs.b > 2);
    expect(runs.a).toBe(stoppedAt);
    await b.close();
  });
});
