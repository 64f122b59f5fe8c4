import { apiError } from "../../errors";
import type { Tx } from "../audit/record-audit";

/**
 * Two enabled rules whose scopes overlap (the same version, or a whole-pool rule beside any other)
 * would fight over the same backends, each undoing the other's changes; the HPA refuses two
 * autoscalers on one target for the same reason. Refused with WEIR_E_CONFLICT naming the other rule.
 */
export async function assertNoOverlap(
  tx: Tx,
  rule: { id?: string; poolId: string; versionLabel: string | null; enabled: boolean },
): Promise<void> {
  if (!rule.enabled) return;
  const others = await tx.scalingRule.findMany({
    where: { poolId: rule.poolId, enabled: true, ...(rule.id ? { id: { not: rule.id } } : {}) },
    select: { id: true, name: true, versionLabel: true },
  });
  const clash = others.find(
    (o) => o.versionLabel === null || rule.versionLabel === null || o.versionLabel === rule.versionLabel,
  );
  if (clash === undefined) return;
  const scope = (label: string | null) => (label === null ? "every backend" : `the ${label} backends`);
  throw apiError(
    "WEIR_E_CONFLICT",
    `Scaling rule ${clash.name} (${clash.id}) already scales ${scope(clash.versionLabel)} of this pool; two enabled rules on the same backends would undo each other. Disable it, or scope the rules to different versions.`,
    { field: "versionLabel" },
  );
}
