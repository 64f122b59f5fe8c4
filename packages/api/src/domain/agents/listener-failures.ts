import { type ListenerApplyStatus, listenerApplyStatusSchema } from "@weir/config";
import { z } from "zod";

/** What the agents table keeps of a partial apply: the listeners that failed, and why. */
export type ListenerFailure = { name: string; reason: string; servingOn?: string };

/** The failed listeners of an ack's per-listener status, as stored in `agents.listenerFailures`. */
export function failedListeners(listeners: readonly ListenerApplyStatus[]): ListenerFailure[] {
  return listeners.flatMap((l) =>
    l.state === "failed"
      ? [{ name: l.name, reason: l.reason, ...(l.servingOn ? { servingOn: l.servingOn } : {}) }]
      : [],
  );
}

const storedSchema = z.array(listenerApplyStatusSchema.options[1].omit({ state: true }));

/** The stored column, read back; a row written by hand or by another release reads as no failures. */
export function listenerFailuresOf(column: unknown): ListenerFailure[] {
  const parsed = storedSchema.safeParse(column);
  return parsed.success ? parsed.data : [];
}
