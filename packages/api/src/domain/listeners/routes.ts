import type { ListenerDto } from "@weir/config/api";
import type { Db, Prisma } from "@weir/db";
import type { Actor } from "../../auth/actor";
import { apiError } from "../../errors";
import type { Tx } from "../audit/record-audit";
import { assertVersion, type ChangeResult, commitChange } from "../config/commit-change";
import { toRouteDto } from "./listener-dto";

type RouteDto = ListenerDto["routes"][number];

interface RouteFields {
  priority?: number | undefined;
  match?:
    | { hosts?: string[] | undefined; pathPrefix?: string | undefined; headers?: unknown[] | undefined }
    | undefined;
  poolId?: string | undefined;
  requestHeaders?: unknown;
  responseHeaders?: unknown;
  rateLimit?: unknown;
}

interface Caller {
  db: Db;
  actor: Actor;
  ip?: string;
  requestId?: string;
}

const json = (value: unknown) => JSON.parse(JSON.stringify(value)) as Prisma.InputJsonValue;
const INCLUDE = { pool: { select: { name: true } } };

function routeData(fields: RouteFields): Prisma.RouteUncheckedUpdateInput {
  const data: Prisma.RouteUncheckedUpdateInput = {};
  if (fields.priority !== undefined) data.priority = fields.priority;
  if (fields.match !== undefined) {
    data.hosts = fields.match.hosts ?? [];
    data.pathPrefix = fields.match.pathPrefix ?? "/";
    data.headers = json(fields.match.headers ?? []);
  }
  if (fields.poolId !== undefined) data.poolId = fields.poolId;
  if (fields.requestHeaders !== undefined) data.requestHeaders = json(fields.requestHeaders);
  if (fields.responseHeaders !== undefined) data.responseHeaders = json(fields.responseHeaders);
  if (fields.rateLimit !== undefined)
    data.rateLimit = fields.rateLimit === null ? ("DbNull" as never) : json(fields.rateLimit);
  return data;
}

async function assertPool(tx: Tx, poolId: string | undefined): Promise<void> {
  if (poolId !== undefined && !(await tx.pool.findUnique({ where: { id: poolId } }))) {
    throw apiError("WEIR_E_NOT_FOUND", `No pool with id ${poolId}.`, { field: "poolId" });
  }
}

export async function createRoute(
  options: Caller & { input: RouteFields & { listenerId: string; name: string; poolId: string } },
): Promise<ChangeResult<RouteDto>> {
  const { listenerId, name, ...fields } = options.input;
  return commitChange({
    ...options,
    action: "route.create",
    targetType: "route",
    change: async (tx) => {
      const listener = await tx.listener.findUnique({ where: { id: listenerId } });
      if (!listener) throw apiError("WEIR_E_NOT_FOUND", `No listener with id ${listenerId}.`, { field: "listenerId" });
      if (await tx.route.findUnique({ where: { listenerId_name: { listenerId, name } } })) {
        throw apiError("WEIR_E_DUPLICATE", `Listener ${listener.name} already has a route named ${name}.`, {
          field: "name",
        });
      }
      await assertPool(tx, fields.poolId);
      const route = await tx.route.create({
        data: { listenerId, name, ...(routeData(fields) as object) } as Prisma.RouteUncheckedCreateInput,
        include: INCLUDE,
      });
      const dto = toRouteDto(route);
      return {
        after: dto,
        result: dto,
        targetId: route.id,
        summary: `${listener.name}: route ${name} → ${route.pool.name} created`,
      };
    },
  });
}

export async function updateRoute(
  options: Caller & { input: RouteFields & { id: string; version: number } },
): Promise<ChangeResult<RouteDto>> {
  const { id, version, ...fields } = options.input;
  return commitChange({
    ...options,
    action: "route.update",
    targetType: "route",
    targetId: id,
    change: async (tx) => {
      const before = await tx.route.findUnique({ where: { id }, include: INCLUDE });
      if (!before) throw apiError("WEIR_E_NOT_FOUND", `No route with id ${id}.`, { field: "id" });
      assertVersion(before, version, `Route ${before.name}`, () => toRouteDto(before));
      await assertPool(tx, fields.poolId);
      const after = await tx.route.update({
        where: { id },
        data: { ...routeData(fields), version: { increment: 1 } },
        include: INCLUDE,
      });
      return {
        before: toRouteDto(before),
        after: toRouteDto(after),
        result: toRouteDto(after),
        summary: `route ${before.name}: ${Object.keys(fields).join(", ") || "nothing"} changed`,
      };
    },
  });
}

export async function deleteRoute(
  options: Caller & { input: { id: string; version: number } },
): Promise<ChangeResult<{ id: string }>> {
  const { id, version } = options.input;
  return commitChange({
    ...options,
    action: "route.delete",
    targetType: "route",
    targetId: id,
    change: async (tx) => {
      const route = await tx.route.findUnique({ where: { id }, include: INCLUDE });
      if (!route) throw apiError("WEIR_E_NOT_FOUND", `No route with id ${id}.`, { field: "id" });
      assertVersion(route, version, `Route ${route.name}`, () => toRouteDto(route));
      await tx.route.delete({ where: { id } });
      return { before: toRouteDto(route), result: { id }, summary: `route ${route.name} deleted` };
    },
  });
}
