import {
  circuitBreakerSchema,
  healthCheckSchema,
  outlierSchema,
  retrySchema,
  stickinessSchema,
  timeoutsSchema,
} from "@weir/config";
import type { PoolDto, PoolSettingsPatch } from "@weir/config/api";
import type { Db, Prisma } from "@weir/db";
import type { Actor } from "../../auth/actor";
import { apiError } from "../../errors";
import { type ChangeResult, commitChange } from "../config/commit-change";
import { BACKENDS_IN_ORDER, toPoolDto } from "./pool-dto";

/** The settings as stored: every group complete, defaults filled in by the engine's schemas. */
export function poolSettingsData(settings: PoolSettingsPatch): Prisma.PoolUncheckedUpdateInput {
  const json = (value: unknown) => JSON.parse(JSON.stringify(value)) as Prisma.InputJsonValue;
  const data: Prisma.PoolUncheckedUpdateInput = {};
  if (settings.description !== undefined) data.description = settings.description;
  if (settings.algorithm !== undefined) data.algorithm = settings.algorithm;
  if (settings.hashOn !== undefined)
    data.hashOn = settings.hashOn === null ? ("DbNull" as never) : json(settings.hashOn);
  if (settings.healthCheck !== undefined) data.healthCheck = json(healthCheckSchema.parse(settings.healthCheck));
  if (settings.outlier !== undefined) data.outlier = json(outlierSchema.parse(settings.outlier));
  if (settings.retry !== undefined) data.retry = json(retrySchema.parse(settings.retry));
  if (settings.timeouts !== undefined) data.timeouts = json(timeoutsSchema.parse(settings.timeouts));
  if (settings.circuitBreaker !== undefined)
    data.circuitBreaker = json(circuitBreakerSchema.parse(settings.circuitBreaker));
  if (settings.stickiness !== undefined) data.stickiness = json(stickinessSchema.parse(settings.stickiness));
  if (settings.trafficSplit !== undefined) {
    data.trafficSplit = settings.trafficSplit === null ? ("DbNull" as never) : json(settings.trafficSplit);
  }
  if (settings.slowStartMs !== undefined) data.slowStartMs = settings.slowStartMs;
  if (settings.panicThresholdPercent !== undefined) data.panicThresholdPercent = settings.panicThresholdPercent;
  return data;
}

export async function createPool(options: {
  db: Db;
  actor: Actor;
  ip?: string;
  requestId?: string;
  input: PoolSettingsPatch & { name: string };
  dryRun?: boolean;
}): Promise<ChangeResult<PoolDto>> {
  const { name, ...settings } = options.input;
  const defaults: PoolSettingsPatch = {
    healthCheck: {},
    outlier: {},
    retry: {},
    timeouts: {},
    circuitBreaker: {},
    stickiness: {},
  };
  return commitChange({
    db: options.db,
    actor: options.actor,
    ip: options.ip,
    requestId: options.requestId,
    action: "pool.create",
    targetType: "pool",
    ...(options.dryRun ? { dryRun: true } : {}),
    change: async (tx) => {
      if (await tx.pool.findUnique({ where: { name } })) {
        throw apiError("WEIR_E_DUPLICATE", `A pool named ${name} already exists.`, { field: "name" });
      }
      const pool = await tx.pool.create({
        data: { ...(poolSettingsData({ ...defaults, ...settings }) as Omit<Prisma.PoolCreateInput, "name">), name },
        include: { backends: BACKENDS_IN_ORDER },
      });
      const dto = toPoolDto(pool);
      return { after: dto, result: dto, targetId: pool.id, summary: `pool ${name} created` };
    },
  });
}
