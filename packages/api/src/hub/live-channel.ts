import { watchSchema } from "@weir/config";
import type { Db } from "@weir/db";
import { parse as parseCookies } from "cookie";
import { resolveSession, SESSION_COOKIE } from "../auth/sessions";
import type { TelemetryAggregator } from "./telemetry-aggregator";
import type { HubLogger, LiveNamespace, LiveSocket } from "./types";

export const poolRoom = (pool: string) => `pool:${pool}`;

/**
 * The `/live` namespace for the dashboard. Browsers connect with their session cookie (the same
 * one the API reads); every role may watch. A browser watching a pool joins its room and gets the
 * last minutes of per-second points at once, then one tick a second.
 */
export function attachLiveChannel(deps: {
  db: Db;
  live: LiveNamespace;
  aggregator: TelemetryAggregator;
  logger: HubLogger;
}): void {
  const { live } = deps;
  live.use((socket, next) => {
    const token = parseCookies(socket.handshake.headers.cookie ?? "")[SESSION_COOKIE];
    if (token === undefined) {
      next(Object.assign(new Error("sign in first"), { data: { code: "WEIR_E_UNAUTHENTICATED" } }));
      return;
    }
    resolveSession({ db: deps.db, token })
      .then((actor) => {
        if (actor === undefined) {
          next(
            Object.assign(new Error("your session has expired; sign in again"), {
              data: { code: "WEIR_E_UNAUTHENTICATED" },
            }),
          );
          return;
        }
        socket.data.actor = actor;
        next();
      })
      .catch((error: Error) => {
        deps.logger.warn(`live connection refused: ${error.message}`);
        next(
          Object.assign(new Error("the control plane cannot check your session now"), {
            data: { code: "WEIR_E_UNAVAILABLE" },
          }),
        );
      });
  });

  live.on("connection", (socket: LiveSocket) => {
    socket.on("pool:watch", (payload) => {
      const parsed = watchSchema.safeParse(payload);
      if (!parsed.success) return;
      const { pool } = parsed.data;
      void socket.join(poolRoom(pool));
      socket.emit("pool:history", { pool, ticks: deps.aggregator.history(pool) });
    });
    socket.on("pool:unwatch", (payload) => {
      const parsed = watchSchema.safeParse(payload);
      if (parsed.success) void socket.leave(poolRoom(parsed.data.pool));
    });
  });
}
