import { z } from "zod";
import {
  certificateSchema,
  headerOpsSchema,
  listenerLimitsSchema,
  rateLimitSchema,
  routeMatchSchema,
} from "../dataplane/schema";
import { idSchema, nameSchema, rowVersionParamSchema, rowVersionSchema } from "./common";
import { portSchema } from "./pools";

/** Which agents open a listener: every label must match; {} selects all agents. */
export const agentSelectorSchema = z.record(
  z.string().regex(/^[A-Za-z0-9._/-]{1,63}$/, "label names are letters, digits, '.', '_', '/' and '-'"),
  z.string().max(63, "label values are at most 63 characters"),
);

const listenerFields = {
  protocol: z.enum(["http", "tcp"]),
  bindAddress: z
    .string()
    .regex(/^[0-9A-Fa-f:.]+$/, "must be an IP address such as 0.0.0.0 or ::")
    .max(45),
  port: portSchema,
  limits: listenerLimitsSchema,
  agentSelector: agentSelectorSchema,
  /** tcp: the pool every connection goes to; http: where requests no route matches go (else 404). */
  defaultPoolId: idSchema.nullable(),
  tls: z.strictObject({ certificates: z.array(certificateSchema).min(1) }).nullable(),
};
const listenerFieldsSchema = z.strictObject(listenerFields);

export const createListenerInputSchema = listenerFieldsSchema.partial().extend({ name: nameSchema, port: portSchema });
export const updateListenerInputSchema = listenerFieldsSchema
  .partial()
  .extend({ id: idSchema, version: rowVersionSchema });
export const deleteListenerInputSchema = z.strictObject({ id: idSchema, version: rowVersionParamSchema });

export const routeDtoSchema = z.object({
  id: z.string(),
  listenerId: z.string(),
  name: z.string(),
  priority: z.number(),
  match: routeMatchSchema,
  poolId: z.string(),
  pool: z.string(),
  requestHeaders: headerOpsSchema,
  responseHeaders: headerOpsSchema,
  rateLimit: rateLimitSchema.nullable(),
  version: z.number(),
});

export const listenerDtoSchema = z.object({
  id: z.string(),
  name: z.string(),
  protocol: z.enum(["http", "tcp"]),
  bindAddress: z.string(),
  port: z.number(),
  limits: listenerLimitsSchema,
  agentSelector: z.record(z.string(), z.string()),
  defaultPool: z.string().nullable(),
  /** Certificates' host names only: private keys never leave the control plane's database. */
  tls: z.object({ certificates: z.array(z.object({ hosts: z.array(z.string()) })) }).nullable(),
  routes: z.array(routeDtoSchema),
  version: z.number(),
});
export type ListenerDto = z.infer<typeof listenerDtoSchema>;

const routeFields = {
  /** Lower is tried first. */
  priority: z.number().int().min(0).max(100_000),
  match: routeMatchSchema,
  poolId: idSchema,
  requestHeaders: headerOpsSchema,
  responseHeaders: headerOpsSchema,
  rateLimit: rateLimitSchema.nullable(),
};
const routeFieldsSchema = z.strictObject(routeFields);

export const createRouteInputSchema = routeFieldsSchema
  .partial()
  .extend({ listenerId: idSchema, name: nameSchema, poolId: idSchema });
export const updateRouteInputSchema = routeFieldsSchema.partial().extend({ id: idSchema, version: rowVersionSchema });
export const deleteRouteInputSchema = z.strictObject({ id: idSchema, version: rowVersionParamSchema });
