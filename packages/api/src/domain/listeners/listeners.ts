import { listenerLimitsSchema } from "@weir/config";
import type { ListenerDto } from "@weir/config/api";
import type { Db, Prisma } from "@weir/db";
import type { Actor } from "../../auth/actor";
import { apiError } from "../../errors";
import type { Tx } from "../audit/record-audit";
import { assertVersion, type ChangeResult, commitChange } from "../config/commit-change";
import { LISTENER_INCLUDE, toListenerDto } from "./listener-dto";

interface ListenerFields {
  protocol?: "http" | "tcp" | undefined;
  bindAddress?: string | undefined;
  port?: number | undefined;
  limits?: unknown;
  agentSelector?: Record<string, string> | undefined;
  defaultPoolId?: string | null | undefined;
  tls?: { certificates: unknown[] } | null | undefined;
}

interface Caller {
  db: Db;
  actor: Actor;
  ip?: string;
  requestId?: string;
}

const json = (value: unknown) => JSON.parse(JSON.stringify(value)) as Prisma.InputJsonValue;

function listenerData(fields: ListenerFields): Prisma.ListenerUncheckedUpdateInput {
  const data: Prisma.ListenerUncheckedUpdateInput = {};
  if (fields.protocol !== undefined) data.protocol = fields.protocol;
  if (fields.bindAddress !== undefined) data.bindAddress = fields.bindAddress;
  if (fields.port !== undefined) data.port = fields.port;
  if (fields.limits !== undefined) data.settings = json(listenerLimitsSchema.parse(fields.limits));
  if (fields.agentSelector !== undefined) data.agentSelector = json(fields.agentSelector);
  if (fields.defaultPoolId !== undefined) data.defaultPoolId = fields.defaultPoolId;
  if (fields.tls !== undefined) data.tls = fields.tls === null ? ("DbNull" as never) : json(fields.tls);
  return data;
}

async function assertFree(tx: Tx, fields: ListenerFields & { name?: string }, exceptId?: string): Promise<void> {
  if (fields.name && (await tx.listener.findFirst({ where: { name: fields.name, id: { not: exceptId ?? "" } } }))) {
    throw apiError("WEIR_E_DUPLICATE", `A listener named ${fields.name} already exists.`, { field: "name" });
  }
  if (fields.port !== undefined) {
    const clash = await tx.listener.findFirst({
      where: { port: fields.port, bindAddress: fields.bindAddress ?? "0.0.0.0", id: { not: exceptId ?? "" } },
    });
    if (clash)
      throw apiError("WEIR_E_DUPLICATE", `Listener ${clash.name} already uses port ${fields.port}.`, { field: "port" });
  }
  if (fields.defaultPoolId && !(await tx.pool.findUnique({ where: { id: fields.defaultPoolId } }))) {
    throw apiError("WEIR_E_NOT_FOUND", `No pool with id ${fields.defaultPoolId}.`, { field: "defaultPoolId" });
  }
}

export async function listListeners({ db }: { db: Db }): Promise<ListenerDto[]> {
  return (await db.listener.findMany({ orderBy: { name: "asc" }, include: LISTENER_INCLUDE })).map(toListenerDto);
}

export async function getListener({ db, id }: { db: Db; id: string }): Promise<ListenerDto> {
  const listener = await db.listener.findFirst({ where: { OR: [{ id }, { name: id }] }, include: LISTENER_INCLUDE });
  if (!listener) throw apiError("WEIR_E_NOT_FOUND", `No listener with id or name ${id}.`, { field: "id" });
  return toListenerDto(listener);
}

export async function createListener(
  options: Caller & { input: ListenerFields & { name: string; port: number } },
): Promise<ChangeResult<ListenerDto>> {
  const { name, ...fields } = options.input;
  return commitChange({
    ...options,
    action: "listener.create",
    targetType: "listener",
    change: async (tx) => {
      await assertFree(tx, options.input);
      const created = await tx.listener.create({
        data: { name, port: fields.port, ...(listenerData(fields) as object) } as Prisma.ListenerUncheckedCreateInput,
        include: LISTENER_INCLUDE,
      });
      const dto = toListenerDto(created);
      return {
        after: dto,
        result: dto,
        targetId: created.id,
        summary: `listener ${name} on port ${created.port} created`,
      };
    },
  });
}

export async function updateListener(
  options: Caller & { input: ListenerFields & { id: string; version: number } },
): Promise<ChangeResult<ListenerDto>> {
  const { id, version, ...fields } = options.input;
  return commitChange({
    ...options,
    action: "listener.update",
    targetType: "listener",
    targetId: id,
    change: async (tx) => {
      const before = await tx.listener.findUnique({ where: { id }, include: LISTENER_INCLUDE });
      if (!before) throw apiError("WEIR_E_NOT_FOUND", `No listener with id ${id}.`, { field: "id" });
      assertVersion(before, version, `Listener ${before.name}`, () => toListenerDto(before));
      await assertFree(tx, { ...fields, bindAddress: fields.bindAddress ?? before.bindAddress }, id);
      const after = await tx.listener.update({
        where: { id },
        data: { ...listenerData(fields), version: { increment: 1 } },
        include: LISTENER_INCLUDE,
      });
      return {
        before: toListenerDto(before),
        after: toListenerDto(after),
        result: toListenerDto(after),
        summary: `listener ${before.name}: ${Object.keys(fields).join(", ") || "nothing"} changed`,
      };
    },
  });
}

export async function deleteListener(
  options: Caller & { input: { id: string; version: number } },
): Promise<ChangeResult<{ id: string }>> {
  const { id, version } = options.input;
  return commitChange({
    ...options,
    action: "listener.delete",
    targetType: "listener",
    targetId: id,
    change: async (tx) => {
      const listener = await tx.listener.findUnique({ where: { id }, include: LISTENER_INCLUDE });
      if (!listener) throw apiError("WEIR_E_NOT_FOUND", `No listener with id ${id}.`, { field: "id" });
      assertVersion(listener, version, `Listener ${listener.name}`, () => toListenerDto(listener));
      await tx.listener.delete({ where: { id } });
      return {
        before: toListenerDto(listener),
        result: { id },
        summary: `listener ${listener.name} deleted with its routes`,
      };
    },
  });
}
