import type { EngineConfig } from "@weir/config";
import type { ConfigVersionSummary } from "@weir/config/api";
import type { ConfigVersion, Db, User } from "@weir/db";
import { apiError } from "../../errors";
import type { ConfigSnapshot } from "../config/compile-snapshot";
import { diffConfigs } from "./diff-configs";

function toSummary(version: ConfigVersion & { createdBy: Pick<User, "email"> | null }): ConfigVersionSummary {
  return {
    number: version.number,
    summary: version.summary,
    hash: version.hash,
    createdBy: version.createdBy?.email ?? (version.createdById ? "(deleted user)" : "system"),
    revertedFrom: version.revertedFrom,
    createdAt: version.createdAt.toISOString(),
  };
}

/** Newest first; `cursor` is the number to continue below. */
export async function listVersions(options: { db: Db; limit: number; cursor?: string | undefined }) {
  const below = options.cursor ? Number(options.cursor) : undefined;
  if (below !== undefined && !Number.isInteger(below))
    throw apiError("WEIR_E_INVALID_INPUT", "cursor: must be a nextCursor value", { field: "cursor" });
  const rows = await options.db.configVersion.findMany({
    where: below !== undefined ? { number: { lt: below } } : {},
    orderBy: { number: "desc" },
    take: options.limit + 1,
    include: { createdBy: { select: { email: true } } },
  });
  const items = rows.slice(0, options.limit).map(toSummary);
  return { items, nextCursor: rows.length > options.limit ? String(items.at(-1)?.number) : null };
}

export async function getVersion(options: { db: Db; number: number }) {
  const version = await options.db.configVersion.findUnique({
    where: { number: options.number },
    include: { createdBy: { select: { email: true } } },
  });
  if (!version) throw apiError("WEIR_E_NOT_FOUND", `No config version ${options.number}.`, { field: "number" });
  return { ...toSummary(version), snapshot: version.snapshot as unknown as ConfigSnapshot };
}

export async function diffVersions(options: { db: Db; from: number; to: number }) {
  const [from, to] = await Promise.all([
    options.db.configVersion.findUnique({ where: { number: options.from } }),
    options.db.configVersion.findUnique({ where: { number: options.to } }),
  ]);
  if (!from) throw apiError("WEIR_E_NOT_FOUND", `No config version ${options.from}.`, { field: "from" });
  if (!to) throw apiError("WEIR_E_NOT_FOUND", `No config version ${options.to}.`, { field: "to" });
  const engine = (version: ConfigVersion) => (version.snapshot as unknown as ConfigSnapshot).engine as EngineConfig;
  return { from: options.from, to: options.to, changes: diffConfigs(engine(from), engine(to)) };
}
