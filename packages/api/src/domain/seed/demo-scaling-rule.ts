import { scalingRuleColumns, scalingRuleSpecSchema } from "@weir/config/api";
import type { Db } from "@weir/db";
import { recordAudit } from "../audit/record-audit";

export const DEMO_SCALING_RULE = "demo-v1";

/**
 * The demo's scaling rule, seeded disabled with the demo pool: version v1 scaled on requests per
 * second per backend by starting demo backends (2 ms of CPU per request) on agent `local`, ports
 * 9111-9130, from the repository's root where `npm start` runs the agent. An operator enables it
 * on the pool page and turns the demo traffic up to watch the pool grow, then down to watch it
 * drain back. The two v1 backends `npm start` runs count towards it and are never removed.
 */
export async function seedDemoScalingRule(options: { db: Db; poolId: string }): Promise<void> {
  const spec = scalingRuleSpecSchema.parse({
    name: DEMO_SCALING_RULE,
    poolId: options.poolId,
    versionLabel: "v1",
    enabled: false,
    metrics: [{ type: "rps_per_backend", target: 10 }],
    minBackends: 2,
    maxBackends: 8,
    scaleDownWindowSec: 60,
    actuator: {
      kind: "process",
      agent: "local",
      commandTemplate: "node apps/demo/dist/backend.mjs --host 127.0.0.1 --port {port} --version {version} --cpu-ms 2",
      portRange: { from: 9111, to: 9130 },
      startupTimeoutMs: 10_000,
      stopGraceMs: 5_000,
    },
  });
  await options.db.$transaction(async (tx) => {
    if (await tx.scalingRule.findFirst({ where: { poolId: options.poolId, name: DEMO_SCALING_RULE } })) return;
    const columns = scalingRuleColumns(spec);
    const row = await tx.scalingRule.create({
      data: {
        ...columns,
        metrics: columns.metrics as never,
        policies: columns.policies as never,
        actuatorConfig: columns.actuatorConfig as never,
      },
    });
    await recordAudit(tx, {
      actor: "system",
      action: "scaling_rule.create",
      targetType: "scaling_rule",
      targetId: row.id,
      after: { name: spec.name, pool: "demo", versionLabel: "v1", enabled: false, actuator: spec.actuator },
    });
  });
}
