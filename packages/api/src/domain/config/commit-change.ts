import { AsyncLocalStorage } from "node:async_hooks";
import type { Db } from "@weir/db";
import type { Actor } from "../../auth/actor";
import { apiError } from "../../errors";
import { recordAudit, type Tx } from "../audit/record-audit";
import { compileSnapshot, hashSnapshot, snapshotJson } from "./compile-snapshot";

/** Postgres NOTIFY channel carrying each new config version's number, for every replica's hub. */
export const CONFIG_CHANNEL = "weir_config_version";
/** Serialises config changes so versions are consecutive and each snapshot sees the one before. */
const CONFIG_LOCK_KEY = 0x57_45_49_52; // "WEIR"

export interface ChangeOptions<T> {
  db: Db;
  actor: Actor | "system";
  ip?: string | undefined;
  requestId?: string | undefined;
  /** Audit verb and target: "pool.update" on pool <id>. */
  action: string;
  targetType: string;
  targetId?: string | null;
  /** One line for the history page, unless the change returns a better one once it knows the rows. */
  summary?: string;
  /**
   * The change itself, on the open transaction. Returns the rows before and after, the result,
   * and optionally the target's id (when it creates it) and the history line
   * ("demo: 10.0.0.1:80 weight 50").
   */
  change: (tx: Tx) => Promise<{ before?: unknown; after?: unknown; result: T; targetId?: string; summary?: string }>;
  /** Dry run: do everything, then roll back. */
  dryRun?: boolean;
  /** For reverts: the version whose config this change restores. */
  revertedFrom?: number;
}

export interface ChangeResult<T> {
  result: T;
  configVersion: number;
  snapshot: import("./compile-snapshot").ConfigSnapshot;
}

/**
 * Inside `dryRun(fn)`, every commitChange() made by fn does all its work (checks, compile,
 * validation) and rolls back, leaving its outcome here. So any procedure that changes config can
 * be dry-run without knowing about it.
 */
const dryRunScope = new AsyncLocalStorage<{ outcome?: ChangeResult<unknown> }>();

export async function dryRun<T>(
  fn: () => Promise<T>,
): Promise<{ value: T; outcome: ChangeResult<unknown> | undefined }> {
  const holder: { outcome?: ChangeResult<unknown> } = {};
  const value = await dryRunScope.run(holder, fn);
  return { value, outcome: holder.outcome };
}

class DryRunRollback<T> extends Error {
  constructor(readonly outcome: ChangeResult<T>) {
    super("dry run");
  }
}

/**
 * One operator change to the data-plane config, all or nothing in one transaction: the change,
 * the new numbered config version (compiled and validated as agents will receive it), the audit
 * event with before and after, and a NOTIFY that the hubs deliver at commit.
 */
export async function commitChange<T>(options: ChangeOptions<T>): Promise<ChangeResult<T>> {
  try {
    return await options.db.$transaction(
      async (tx) => {
        const outcome = await commitChangeInTx(tx, options);
        if (options.dryRun || dryRunScope.getStore()) throw new DryRunRollback(outcome);
        return outcome;
      },
      { timeout: 15_000 },
    );
  } catch (error) {
    if (error instanceof DryRunRollback) {
      const scope = dryRunScope.getStore();
      if (scope) scope.outcome = error.outcome;
      return error.outcome as ChangeResult<T>;
    }
    throw error;
  }
}

/**
 * The body of commitChange on a transaction the caller already holds (the rollout controller
 * changes a pool's split and its rollout's state in one): the change, the new config version, the
 * audit event and the NOTIFY, which Postgres delivers at the caller's commit.
 */
export async function commitChangeInTx<T>(
  tx: Tx,
  options: Omit<ChangeOptions<T>, "db" | "dryRun">,
): Promise<ChangeResult<T>> {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(${CONFIG_LOCK_KEY})`;
  const { before, after, result, targetId, summary } = await options.change(tx);
  const latest = await tx.configVersion.findFirst({ orderBy: { number: "desc" }, select: { number: true } });
  const number = (latest?.number ?? 0) + 1;
  let snapshot: Awaited<ReturnType<typeof compileSnapshot>>;
  try {
    snapshot = await compileSnapshot(tx, number);
  } catch (error) {
    const issues = (error as { issues?: readonly string[] }).issues;
    if (!issues) throw error;
    throw apiError(
      "WEIR_E_INVALID_INPUT",
      `This change would make an invalid data-plane config: ${issues.join("; ")}`,
      {
        field: issues[0]?.split(":")[0],
      },
    );
  }
  await tx.configVersion.create({
    data: {
      number,
      snapshot: snapshotJson(snapshot),
      hash: hashSnapshot(snapshot),
      summary: (summary ?? options.summary ?? options.action).slice(0, 500),
      createdById: options.actor === "system" ? null : options.actor.userId,
      revertedFrom: options.revertedFrom ?? null,
    },
  });
  await recordAudit(tx, {
    actor: options.actor,
    action: options.action,
    targetType: options.targetType,
    targetId: targetId ?? options.targetId ?? null,
    before,
    after,
    configVersion: number,
    ip: options.ip,
    requestId: options.requestId,
  });
  // Delivered at commit only: a dry run's rollback takes it back with the rest.
  await tx.$executeRaw`SELECT pg_notify(${CONFIG_CHANNEL}, ${String(number)})`;
  return { result, configVersion: number, snapshot };
}

/** The optimistic-concurrency check every edit makes: the caller must have read the current row. */
export function assertVersion(
  row: { version: number } | null,
  expected: number,
  what: string,
  current: (row: { version: number }) => unknown,
): void {
  if (row && row.version !== expected) {
    throw apiError(
      "WEIR_E_CONFLICT",
      `${what} was changed by someone else (now version ${row.version}, you sent ${expected}). Reload and retry.`,
      {
        field: "version",
        current: current(row),
      },
    );
  }
}
