import type { ScalingPolicies } from "@weir/config/api";
import type { BackendOrigin, Db } from "@weir/db";
import { recordScaleEvent, type ScaleEvent } from "../../scaling/recommend";
import { commitChangeInTx } from "../config/commit-change";
import { type ManagedBackendMeta, managedMeta, type PendingStop, type RuleState, updateRuleState } from "./rule-state";

/**
 * The autoscaler's changes to a pool, each one config change (a new config version, an audit event
 * by `system` naming the rule, a NOTIFY) in one transaction with the rule's state, under the rule's
 * row lock. Backends are added only once they accept connections, taken out of rotation by
 * draining first, and removed once drained; the caller decides when.
 */

export interface RuleRef {
  id: string;
  name: string;
  poolId: string;
  poolName: string;
  policies: ScalingPolicies;
}

export interface NewBackend {
  host: string;
  port: number;
  versionLabel: string;
  weight: number;
  origin: Extract<BackendOrigin, "autoscaler" | "discovery">;
  metadata: ManagedBackendMeta;
}

const describe = (b: { host: string; port: number; versionLabel: string }) => `${b.host}:${b.port} (${b.versionLabel})`;

/**
 * Adds backends to the rule's pool (skipping addresses the pool already has) and, when `event` is
 * given, records the scale event the rate policies count. Returns the added addresses and the
 * config version, or undefined when the rule no longer exists (nothing is written then).
 */
export async function addManagedBackends(options: {
  db: Db;
  rule: RuleRef;
  backends: NewBackend[];
  action: "scaling.scale_up" | "scaling.discover";
  event?: Omit<ScaleEvent, "at">;
  now: number;
  /** Applied to the rule's state in the same transaction. */
  state?: (state: RuleState) => RuleState;
}): Promise<{ added: NewBackend[]; skipped: NewBackend[]; configVersion: number | null } | undefined> {
  const { rule } = options;
  return options.db.$transaction(
    async (tx) => {
      const locked = await updateRuleState(
        tx,
        rule.id,
        (s) => {
          let next = options.state ? options.state(s) : s;
          if (options.event)
            next = {
              ...next,
              events: recordScaleEvent(next.events, { ...options.event, at: options.now }, rule.policies),
            };
          return next;
        },
        options.event ? { lastScaleAt: new Date(options.now) } : {},
      );
      if (locked === undefined) return undefined;
      const existing = await tx.backend.findMany({
        where: { poolId: rule.poolId },
        select: { host: true, port: true },
      });
      const taken = new Set(existing.map((b) => `${b.host}:${b.port}`));
      const added = options.backends.filter((b) => !taken.has(`${b.host}:${b.port}`));
      const skipped = options.backends.filter((b) => taken.has(`${b.host}:${b.port}`));
      if (added.length === 0) return { added, skipped, configVersion: null };
      const { configVersion } = await commitChangeInTx(tx, {
        actor: "system",
        action: options.action,
        targetType: "scaling_rule",
        targetId: rule.id,
        change: async (t) => {
          for (const b of added) {
            await t.backend.create({
              data: {
                poolId: rule.poolId,
                host: b.host,
                port: b.port,
                versionLabel: b.versionLabel,
                weight: b.weight,
                state: "active",
                origin: b.origin,
                metadata: b.metadata as never,
              },
            });
          }
          await t.pool.update({ where: { id: rule.poolId }, data: { updatedAt: new Date() } });
          const what = options.action === "scaling.scale_up" ? "started" : "discovered";
          return {
            after: {
              rule: rule.name,
              pool: rule.poolName,
              ...(options.event ? { from: options.event.from, to: options.event.to } : {}),
              added: added.map(describe),
            },
            result: null,
            summary: `${rule.poolName}: scaling rule ${rule.name} ${what} ${added.map(describe).join(", ")}${options.event ? ` (${options.event.from} → ${options.event.to})` : ""}`,
          };
        },
      });
      return { added, skipped, configVersion };
    },
    { timeout: 15_000 },
  );
}

/**
 * Takes backends out of rotation: state `draining` (agents send them nothing new; requests in
 * flight finish), marked in their metadata with the time and the config version that did it.
 */
export async function drainManagedBackends(options: {
  db: Db;
  rule: RuleRef;
  backendIds: string[];
  event?: Omit<ScaleEvent, "at">;
  reason: string;
  now: number;
}): Promise<{ configVersion: number; drained: string[] } | undefined> {
  const { rule } = options;
  return options.db.$transaction(
    async (tx) => {
      const locked = await updateRuleState(
        tx,
        rule.id,
        (s) =>
          options.event
            ? { ...s, events: recordScaleEvent(s.events, { ...options.event, at: options.now }, rule.policies) }
            : s,
        options.event ? { lastScaleAt: new Date(options.now) } : {},
      );
      if (locked === undefined) return undefined;
      const rows = await tx.backend.findMany({
        where: { id: { in: options.backendIds }, poolId: rule.poolId, state: "active" },
      });
      if (rows.length === 0) return undefined;
      const { configVersion } = await commitChangeInTx(tx, {
        actor: "system",
        action: options.event ? "scaling.scale_down" : "scaling.drain",
        targetType: "scaling_rule",
        targetId: rule.id,
        change: async (t) => {
          await t.backend.updateMany({
            where: { id: { in: rows.map((r) => r.id) } },
            data: { state: "draining", version: { increment: 1 } },
          });
          await t.pool.update({ where: { id: rule.poolId }, data: { updatedAt: new Date() } });
          return {
            before: { backends: rows.map((r) => ({ address: describe(r), state: r.state })) },
            after: {
              rule: rule.name,
              pool: rule.poolName,
              ...(options.event ? { from: options.event.from, to: options.event.to } : {}),
              draining: rows.map(describe),
              reason: options.reason,
            },
            result: null,
            summary: `${rule.poolName}: scaling rule ${rule.name} drains ${rows.map(describe).join(", ")}${options.event ? ` (${options.event.from} → ${options.event.to})` : ""}`,
          };
        },
      });
      // The config version is known only now; metadata is not part of the data-plane config.
      for (const r of rows) {
        const meta = managedMeta(r);
        await tx.backend.update({
          where: { id: r.id },
          data: { metadata: { ...(meta ?? {}), drainingSince: options.now, drainVersion: configVersion } as never },
        });
      }
      return { configVersion, drained: rows.map((r) => r.id) };
    },
    { timeout: 15_000 },
  );
}

/**
 * Removes drained backends from the pool; the processes among them are queued in the rule's
 * state to be stopped once agents run the config without them.
 */
export async function removeManagedBackends(options: {
  db: Db;
  rule: RuleRef;
  backendIds: string[];
  reason: string;
  stopGraceMs: number;
  now: number;
}): Promise<{ configVersion: number; removed: string[] } | undefined> {
  const { rule } = options;
  return options.db.$transaction(
    async (tx) => {
      const locked = await updateRuleState(tx, rule.id, (s) => s);
      const rows = await tx.backend.findMany({ where: { id: { in: options.backendIds }, poolId: rule.poolId } });
      if (rows.length === 0) return undefined;
      const { configVersion } = await commitChangeInTx(tx, {
        actor: "system",
        action: "scaling.remove",
        targetType: "scaling_rule",
        targetId: rule.id,
        change: async (t) => {
          await t.backend.deleteMany({ where: { id: { in: rows.map((r) => r.id) } } });
          await t.pool.update({ where: { id: rule.poolId }, data: { updatedAt: new Date() } });
          return {
            before: { backends: rows.map((r) => ({ address: describe(r), state: r.state })) },
            after: { rule: rule.name, pool: rule.poolName, removed: rows.map(describe), reason: options.reason },
            result: null,
            summary: `${rule.poolName}: scaling rule ${rule.name} removed ${rows.map(describe).join(", ")} (${options.reason})`,
          };
        },
      });
      const stops: PendingStop[] = rows.flatMap((r) => {
        const meta = managedMeta(r);
        if (meta?.actuator !== "process" || meta.agent === undefined) return [];
        return [
          {
            agent: meta.agent,
            port: meta.port ?? r.port,
            configVersion,
            graceMs: options.stopGraceMs,
            since: options.now,
          },
        ];
      });
      if (locked !== undefined && stops.length > 0)
        await updateRuleState(tx, rule.id, (s) => ({ ...s, pendingStops: [...s.pendingStops, ...stops] }));
      return { configVersion, removed: rows.map((r) => r.id) };
    },
    { timeout: 15_000 },
  );
}
