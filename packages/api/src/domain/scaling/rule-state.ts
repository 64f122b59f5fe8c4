import type { Backend } from "@weir/db";
import { z } from "zod";
import type { Tx } from "../audit/record-audit";

/**
 * What the scaling controller remembers of a rule between evaluations, in the rule's
 * `controllerState` JSON column, so a restarted (or newly elected) controller goes on where the
 * last one stopped: the recommendation history the stabilization windows read, the scale events
 * the rate policies read, the processes waiting to be stopped, the webhook's last delivered counts,
 * and what the status shows (desired count, last decision, last error). A column the schema cannot
 * read counts as empty: the HPA's own first-evaluation behaviour then applies.
 */
const pendingStopSchema = z.object({
  agent: z.string(),
  port: z.number(),
  /** The config version that removed the backend: the process stops once agents run it. */
  configVersion: z.number(),
  graceMs: z.number(),
  /** Epoch ms the backend was removed. */
  since: z.number(),
});
export type PendingStop = z.output<typeof pendingStopSchema>;

export const ruleStateSchema = z.object({
  /** Undefined until the first evaluation (recommend() then seeds it with the current count). */
  history: z.array(z.object({ at: z.number(), recommendation: z.number() })).optional(),
  events: z.array(z.object({ at: z.number(), from: z.number(), to: z.number() })).default([]),
  desired: z.number().nullable().default(null),
  lastDecision: z.object({ at: z.number(), signature: z.string() }).nullable().default(null),
  lastError: z.object({ at: z.number(), code: z.string(), message: z.string() }).nullable().default(null),
  pendingStops: z.array(pendingStopSchema).default([]),
  /** Webhook: the count last delivered per version ("" for the rule's whole scope). */
  delivered: z.record(z.string(), z.number()).default({}),
});
export type RuleState = z.output<typeof ruleStateSchema>;

export function readRuleState(json: unknown): RuleState {
  const parsed = ruleStateSchema.safeParse(json ?? {});
  return parsed.success ? parsed.data : ruleStateSchema.parse({});
}

/**
 * Read-modify-write of a rule's state under its row lock, so the controller's loop and its
 * background operations (a start, a stop) never overwrite each other's fields. Does not touch the
 * rule's `version`: operators' edits are not refused because the controller ran.
 * Returns undefined when the rule no longer exists.
 */
export async function updateRuleState(
  tx: Tx,
  ruleId: string,
  change: (state: RuleState) => RuleState | undefined,
  extra: { lastScaleAt?: Date } = {},
): Promise<RuleState | undefined> {
  const rows = await tx.$queryRaw<Array<{ controllerState: unknown }>>`
    SELECT "controllerState" FROM scaling_rules WHERE id = ${ruleId} FOR UPDATE`;
  const row = rows[0];
  if (row === undefined) return undefined;
  const next = change(readRuleState(row.controllerState));
  if (next === undefined) return readRuleState(row.controllerState);
  await tx.scalingRule.update({
    where: { id: ruleId },
    data: { controllerState: next as never, ...(extra.lastScaleAt ? { lastScaleAt: extra.lastScaleAt } : {}) },
  });
  return next;
}

// ---------------------------------------------------------------------------------------------
// Backends a rule manages

/** `Backend.metadata` of a backend a rule started (process) or discovered (kubernetes). */
export const managedBackendMetaSchema = z.looseObject({
  rule: z.string(),
  actuator: z.enum(["process", "kubernetes"]),
  /** process: the agent running it, and its port there. */
  agent: z.string().optional(),
  port: z.number().optional(),
  pid: z.number().optional(),
  /** Set when the rule started draining it (epoch ms), with the config version that did. */
  drainingSince: z.number().optional(),
  drainVersion: z.number().optional(),
});
export type ManagedBackendMeta = z.output<typeof managedBackendMetaSchema>;

export function managedMeta(backend: Pick<Backend, "origin" | "metadata">): ManagedBackendMeta | undefined {
  if (backend.origin === "manual") return undefined;
  const parsed = managedBackendMetaSchema.safeParse(backend.metadata);
  return parsed.success ? parsed.data : undefined;
}

/** True when `backend` is one the rule started or discovered. */
export function isManagedBy(ruleId: string, backend: Pick<Backend, "origin" | "metadata">): boolean {
  return managedMeta(backend)?.rule === ruleId;
}

/** The rule's scope: its version's backends, or the whole pool's. */
export function inScope(rule: { versionLabel: string | null }, backend: Pick<Backend, "versionLabel">): boolean {
  return rule.versionLabel === null || backend.versionLabel === rule.versionLabel;
}
