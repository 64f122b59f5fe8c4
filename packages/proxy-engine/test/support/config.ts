import type { EngineConfigInput } from "@weir/config";
import type { TestBackend } from "./backends";

type PoolInput = NonNullable<EngineConfigInput["pools"]>[number];
type ListenerInput = NonNullable<EngineConfigInput["listeners"]>[number];

/** Anything with a name and a port: test backends, logging backends. */
type Addressed = Pick<TestBackend, "name" | "port">;

export function backendsOf(list: readonly Addressed[], extra: (b: Addressed, i: number) => object = () => ({})) {
  return list.map((b, i) => ({ id: b.name, address: { host: "127.0.0.1", port: b.port }, ...extra(b, i) }));
}

/** One pool, one HTTP listener on port 0 routing everything to it. Health checks off unless given. */
export function singlePoolConfig(
  backends: readonly Addressed[],
  pool: Partial<PoolInput> = {},
  listener: Partial<ListenerInput> = {},
  version = 1,
): EngineConfigInput {
  return {
    version,
    listeners: [
      { name: "web", bind: { host: "127.0.0.1", port: 0 }, routes: [{ name: "all", pool: "p" }], ...listener },
    ],
    pools: [{ name: "p", healthCheck: { type: "none" }, backends: backendsOf(backends), ...pool }],
  };
}
