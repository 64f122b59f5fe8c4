import { z } from "zod";
import {
  algorithmSchema,
  backendStateSchema,
  circuitBreakerSchema,
  hashOnSchema,
  healthCheckSchema,
  outlierSchema,
  retrySchema,
  stickinessSchema,
  timeoutsSchema,
  trafficSplitSchema,
} from "../dataplane/schema";
import { idSchema, nameSchema, rowVersionParamSchema, rowVersionSchema } from "./common";

/** A version label on backends ("v1", "2024-06-01", "canary"). */
export const versionLabelSchema = z
  .string()
  .min(1, "must not be empty")
  .max(64, "must be at most 64 characters")
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, "must be letters, digits, '.', '_' and '-', starting with a letter or digit");

/** A host name or an IPv4/IPv6 address, as a backend's address. */
export const hostSchema = z
  .string()
  .min(1, "must not be empty")
  .max(253, "must be at most 253 characters")
  .regex(
    /^([A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*|[0-9A-Fa-f:.]+)$/,
    "must be a host name or an IP address",
  );

export const portSchema = z
  .number()
  .int("must be a whole number")
  .min(1, "must be 1 to 65535")
  .max(65535, "must be 1 to 65535");
export const weightSchema = z
  .number()
  .int("must be a whole number")
  .min(0, "must be 0 to 10000")
  .max(10_000, "must be 0 to 10000");

/** Every pool setting an operator can edit, each validated by the engine's own schema. */
const poolSettings = {
  description: z.string().max(500, "must be at most 500 characters"),
  algorithm: algorithmSchema,
  hashOn: hashOnSchema.nullable(),
  healthCheck: healthCheckSchema,
  outlier: outlierSchema,
  retry: retrySchema,
  timeouts: timeoutsSchema,
  circuitBreaker: circuitBreakerSchema,
  stickiness: stickinessSchema,
  trafficSplit: trafficSplitSchema.nullable(),
  slowStartMs: z.number().int().min(0).max(3_600_000),
  panicThresholdPercent: z.number().int().min(0).max(100),
};

const poolSettingsSchema = z.strictObject(poolSettings);
export type PoolSettingsPatch = Partial<z.input<typeof poolSettingsSchema>>;

/** Settings left out get the engine's defaults. */
export const createPoolInputSchema = poolSettingsSchema.partial().extend({ name: nameSchema });

/**
 * Settings left out are kept. A settings group that is sent (healthCheck, retry...) replaces the
 * stored one whole, with defaults for the fields it leaves out.
 */
export const updatePoolInputSchema = poolSettingsSchema.partial().extend({ id: idSchema, version: rowVersionSchema });

export const backendSchema = z.object({
  id: z.string(),
  poolId: z.string(),
  host: z.string(),
  port: z.number(),
  weight: z.number(),
  versionLabel: z.string(),
  state: backendStateSchema,
  origin: z.enum(["manual", "autoscaler", "discovery"]),
  version: z.number(),
  updatedAt: z.string(),
});
export type BackendDto = z.infer<typeof backendSchema>;

export const poolSchema = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string(),
  algorithm: algorithmSchema,
  hashOn: hashOnSchema.nullable(),
  healthCheck: healthCheckSchema,
  outlier: outlierSchema,
  retry: retrySchema,
  timeouts: timeoutsSchema,
  circuitBreaker: circuitBreakerSchema,
  stickiness: stickinessSchema,
  trafficSplit: trafficSplitSchema.nullable(),
  slowStartMs: z.number(),
  panicThresholdPercent: z.number(),
  backends: z.array(backendSchema),
  version: z.number(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type PoolDto = z.infer<typeof poolSchema>;

export const poolRefInputSchema = z.strictObject({ id: idSchema });
export const deletePoolInputSchema = z.strictObject({ id: idSchema, version: rowVersionParamSchema });

export const addBackendInputSchema = z.strictObject({
  poolId: idSchema,
  host: hostSchema,
  port: portSchema,
  weight: weightSchema.default(100),
  versionLabel: versionLabelSchema.default("v1"),
  state: backendStateSchema.default("active"),
});

export const updateBackendInputSchema = z.strictObject({
  id: idSchema,
  version: rowVersionSchema,
  weight: weightSchema.optional(),
  versionLabel: versionLabelSchema.optional(),
});

export const setBackendStateInputSchema = z.strictObject({ id: idSchema, version: rowVersionSchema });
export const removeBackendInputSchema = z.strictObject({ id: idSchema, version: rowVersionParamSchema });

/** What every configuration change returns beside its object: the config version it made. */
export const changeResultSchema = <T extends z.ZodType>(item: T) => z.object({ item, configVersion: z.number() });
