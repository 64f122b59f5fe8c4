import { type AgentLabels, selectorMatches } from "@weir/config";

/** A config version as stored: the whole data-plane config plus each listener's agent selector. */
export interface StoredSnapshot {
  engine: { version: number; listeners?: unknown[]; pools?: unknown[]; [key: string]: unknown };
  selectors?: Record<string, Record<string, string>>;
}

interface ListenerLike {
  name?: unknown;
  defaultPool?: unknown;
  routes?: Array<{ pool?: unknown }>;
}

/**
 * The part of a config version one agent runs: the listeners whose label selector matches the
 * agent's labels, and the pools those listeners use. Works on the stored JSON without validating
 * it: validation is the agent's job (it nacks what it cannot run), and a version that somehow got
 * stored invalid must reach the agents to be refused visibly rather than vanish here.
 */
export function selectConfigFor(snapshot: StoredSnapshot, labels: AgentLabels): Record<string, unknown> {
  const selectors = snapshot.selectors ?? {};
  const listeners = (snapshot.engine.listeners ?? []).filter((l) => {
    const name = (l as ListenerLike).name;
    return typeof name !== "string" || selectorMatches(selectors[name] ?? {}, labels);
  }) as ListenerLike[];
  const used = new Set<unknown>();
  for (const l of listeners) {
    if (l.defaultPool !== undefined) used.add(l.defaultPool);
    for (const r of Array.isArray(l.routes) ? l.routes : []) used.add(r?.pool);
  }
  const pools = (snapshot.engine.pools ?? []).filter((p) => used.has((p as { name?: unknown }).name));
  return { ...snapshot.engine, listeners, pools };
}

/** Pool names an agent's selected config serves (for the rollout gate and the dashboard). */
export function poolsIn(config: Record<string, unknown>): string[] {
  const pools = Array.isArray(config.pools) ? config.pools : [];
  return pools.map((p) => (p as { name?: unknown }).name).filter((n): n is string => typeof n === "string");
}
