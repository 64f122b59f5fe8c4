import type { IncomingMessage, ServerResponse } from "node:http";
import { checkDatabase, type Db } from "@weir/db";

/**
 * `GET /api/health`: 200 when the control plane can reach its database, 503 when it cannot.
 * Load balancers and orchestrators probe this; it must answer fast and never throw.
 */
export function createHealthHandler(deps: { db: Db; version: string; startedAt: Date }) {
  return async (_req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const database = await checkDatabase(deps.db);
    const ok = database.status === "ok";
    const body = JSON.stringify({
      status: ok ? "ok" : "degraded",
      version: deps.version,
      uptimeSeconds: Math.round((Date.now() - deps.startedAt.getTime()) / 1000),
      database,
    });
    res.writeHead(ok ? 200 : 503, {
      "content-type": "application/json; charset=utf-8",
      "cache-control": "no-store",
    });
    res.end(body);
  };
}
