import type { EngineConfig } from "@weir/config";
import type { ConfigChange } from "@weir/config/api";

/**
 * What changed between two data-plane configs, as a list of readable paths. Lists of named things
 * are compared by identity (pools, listeners and routes by name, backends by address), so a
 * removed backend reads as one removal, not as every later backend shifting by one.
 */
export function diffConfigs(from: EngineConfig, to: EngineConfig): ConfigChange[] {
  const changes: ConfigChange[] = [];
  diffValue("", stripVersion(from), stripVersion(to), changes);
  return changes;
}

function stripVersion(config: EngineConfig): Omit<EngineConfig, "version"> {
  const { version: _version, ...rest } = config;
  return rest;
}

/** How the items of a list are told apart, by the list's key. */
const IDENTITY: Record<string, (item: Record<string, unknown>) => string | undefined> = {
  pools: (item) => item.name as string,
  listeners: (item) => item.name as string,
  routes: (item) => item.name as string,
  backends: (item) => {
    const address = item.address as { host?: string; port?: number } | undefined;
    return address ? `${address.host}:${address.port}` : undefined;
  },
  certificates: (item) => (item.hosts as string[] | undefined)?.join(","),
};

function diffValue(path: string, before: unknown, after: unknown, changes: ConfigChange[]): void {
  if (isEqual(before, after)) return;
  if (before === undefined) {
    changes.push({ path, kind: "added", after });
    return;
  }
  if (after === undefined) {
    changes.push({ path, kind: "removed", before });
    return;
  }
  const key = path.split(/[.[]/).at(-1)?.replace(/\]$/, "") ?? "";
  const identity = IDENTITY[key];
  if (Array.isArray(before) && Array.isArray(after) && identity) {
    const index = (items: unknown[]) =>
      new Map(items.map((item) => [identity(item as Record<string, unknown>) ?? JSON.stringify(item), item]));
    const left = index(before);
    const right = index(after);
    for (const [id, item] of left) diffValue(`${path}[${id}]`, item, right.get(id), changes);
    for (const [id, item] of right) if (!left.has(id)) diffValue(`${path}[${id}]`, undefined, item, changes);
    return;
  }
  if (isPlainObject(before) && isPlainObject(after)) {
    const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
    for (const child of [...keys].sort()) {
      diffValue(path ? `${path}.${child}` : child, before[child], after[child], changes);
    }
    return;
  }
  changes.push({ path, kind: "changed", before, after });
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((item, i) => isEqual(item, b[i]));
  if (isPlainObject(a) && isPlainObject(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    return [...keys].every((key) => isEqual(a[key], b[key]));
  }
  return false;
}
