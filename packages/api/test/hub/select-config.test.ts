import { describe, expect, it } from "vitest";
import { poolsIn, selectConfigFor } from "../../src/hub/select-config";

const snapshot = {
  engine: {
    version: 7,
    listeners: [
      { name: "public", routes: [{ pool: "web" }, { pool: "api" }] },
      { name: "db", protocol: "tcp", defaultPool: "postgres", routes: [] },
    ],
    pools: [{ name: "web" }, { name: "api" }, { name: "postgres" }, { name: "unused" }],
  },
  selectors: { public: {}, db: { role: "db", zone: "a" } },
};

describe("selectConfigFor", () => {
  it("gives an agent the listeners its labels select and only the pools they use", () => {
    const edge = selectConfigFor(snapshot, { role: "edge" });
    expect((edge.listeners as Array<{ name: string }>).map((l) => l.name)).toEqual(["public"]);
    expect(poolsIn(edge)).toEqual(["web", "api"]);
    expect(edge.version).toBe(7);

    const db = selectConfigFor(snapshot, { role: "db", zone: "a", extra: "x" });
    expect((db.listeners as Array<{ name: string }>).map((l) => l.name)).toEqual(["public", "db"]);
    expect(poolsIn(db)).toEqual(["web", "api", "postgres"]);

    expect(poolsIn(selectConfigFor(snapshot, { role: "db", zone: "b" }))).toEqual(["web", "api"]);
  });
});
