import type { Db } from "./client";
import type { DbErrorCode } from "./errors";

export interface DatabaseHealth {
  status: "ok" | "unreachable";
  latencyMs: number;
  code?: DbErrorCode;
  error?: string;
}

/** One round trip, bounded by `timeoutMs` so a hung server cannot hang the health endpoint. */
export async function checkDatabase(db: Db, timeoutMs = 2000): Promise<DatabaseHealth> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      db.$queryRaw`SELECT 1`,
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    return { status: "ok", latencyMs: Math.round(performance.now() - started) };
  } catch (error) {
    return {
      status: "unreachable",
      code: "WEIR_E_DB_UNREACHABLE",
      latencyMs: Math.round(performance.now() - started),
      error: firstLine((error as Error).message),
    };
  } finally {
    clearTimeout(timer);
  }
}

function firstLine(message: string): string {
  return (
    message
      .split("\n")
      .find((line) => line.trim() !== "")
      ?.trim() ?? "unknown error"
  );
}
