"use client";

import { useQueryClient } from "@tanstack/react-query";
import {
  type BrowserToHubEvents,
  type HubToBrowserEvents,
  invalidateSchema,
  LIVE_NAMESPACE,
  type LiveHealthEvent,
  liveHealthEventSchema,
  type OverviewTick,
  overviewTickSchema,
  type PoolTick,
  poolHistorySchema,
  poolTickSchema,
} from "@weir/config";
import { createContext, type ReactNode, useContext, useEffect, useMemo, useRef, useState } from "react";
import { io, type Socket } from "socket.io-client";
import { refetchAfterEvent } from "@/lib/refresh";

/** Per-second points kept per watched pool: the live charts' five minutes. */
const KEEP_SECONDS = 300;

type LiveSocket = Socket<HubToBrowserEvents, BrowserToHubEvents>;

interface Connection {
  connected: boolean;
  socket: LiveSocket | undefined;
}

// Two contexts: the overview changes every second, and pages that only watch a pool must not
// render again for it.
const ConnectionContext = createContext<Connection>({ connected: false, socket: undefined });
const OverviewContext = createContext<OverviewTick | undefined>(undefined);

/** The query routers each `invalidate` scope covers (tRPC keys start with [["pools", "get"], …]). */
const SCOPES: Record<string, string[]> = {
  config: ["pools", "listeners", "routes", "versions", "backends", "audit", "config"],
  agents: ["agents"],
  users: ["users"],
  tokens: ["tokens", "enrollmentTokens"],
  rollouts: ["rollouts", "pools"],
  scaling: ["scaling", "pools"],
};

/**
 * One Socket.IO connection per browser tab to the hub's `/live` namespace (the session cookie
 * authenticates it). It carries the overview tick every second, per-pool ticks for the pools a
 * page watches, health events, and `invalidate` notices: another operator's change, an agent's
 * ack. Those invalidate the matching queries, so every page shows others' changes without a
 * reload. Every payload is parsed with its schema before use.
 */
export function LiveProvider({ children }: { children: ReactNode }) {
  const queryClient = useQueryClient();
  const [connection, setConnection] = useState<Connection>({ connected: false, socket: undefined });
  const [overview, setOverview] = useState<OverviewTick | undefined>(undefined);

  useEffect(() => {
    const socket: LiveSocket = io(LIVE_NAMESPACE, { transports: ["websocket"], withCredentials: true });
    setConnection((c) => ({ ...c, socket }));
    socket.on("connect", () => setConnection((c) => ({ ...c, connected: true })));
    socket.on("disconnect", () => setConnection((c) => ({ ...c, connected: false })));
    socket.on("overview", (payload) => {
      const parsed = overviewTickSchema.safeParse(payload);
      if (parsed.success) setOverview(parsed.data);
    });
    socket.on("invalidate", (payload) => {
      const parsed = invalidateSchema.safeParse(payload);
      if (!parsed.success) return;
      const routers = new Set(SCOPES[parsed.data.scope] ?? []);
      void refetchAfterEvent(queryClient, {
        predicate: (query) => {
          const head = query.queryKey[0];
          return Array.isArray(head) && routers.has(String(head[0]));
        },
      });
    });
    return () => {
      socket.close();
    };
  }, [queryClient]);

  return (
    <ConnectionContext.Provider value={connection}>
      <OverviewContext.Provider value={overview}>{children}</OverviewContext.Provider>
    </ConnectionContext.Provider>
  );
}

export function useLive(): { connected: boolean; overview: OverviewTick | undefined } {
  const { connected } = useContext(ConnectionContext);
  const overview = useContext(OverviewContext);
  return { connected, overview };
}

/**
 * The last five minutes of a pool's per-second ticks, live, and the health events seen while
 * watching. Joins the pool's room on mount (the hub answers with the history it holds) and
 * leaves it on unmount.
 */
export function usePoolLive(pool: string): { ticks: PoolTick[]; health: LiveHealthEvent[]; connected: boolean } {
  const { socket, connected } = useContext(ConnectionContext);
  const [ticks, setTicks] = useState<PoolTick[]>([]);
  const [health, setHealth] = useState<LiveHealthEvent[]>([]);
  const poolRef = useRef(pool);
  poolRef.current = pool;

  useEffect(() => {
    if (socket === undefined) return;
    setTicks([]);
    setHealth([]);
    const watch = () => socket.emit("pool:watch", { pool });
    const onHistory = (payload: unknown) => {
      const parsed = poolHistorySchema.safeParse(payload);
      if (parsed.success && parsed.data.pool === poolRef.current) setTicks(parsed.data.ticks.slice(-KEEP_SECONDS));
    };
    const onTick = (payload: unknown) => {
      const parsed = poolTickSchema.safeParse(payload);
      if (!parsed.success || parsed.data.pool !== poolRef.current) return;
      const tick = parsed.data;
      setTicks((previous) => {
        const last = previous[previous.length - 1];
        if (last !== undefined && last.total.at >= tick.total.at) return previous;
        const next = previous.length >= KEEP_SECONDS ? previous.slice(1) : previous.slice();
        next.push(tick);
        return next;
      });
    };
    const onHealth = (payload: unknown) => {
      const parsed = liveHealthEventSchema.safeParse(payload);
      if (parsed.success && parsed.data.pool === poolRef.current) setHealth((h) => [...h.slice(-199), parsed.data]);
    };
    socket.on("pool:history", onHistory);
    socket.on("pool:tick", onTick);
    socket.on("health", onHealth);
    socket.on("connect", watch);
    if (socket.connected) watch();
    return () => {
      socket.emit("pool:unwatch", { pool });
      socket.off("pool:history", onHistory);
      socket.off("pool:tick", onTick);
      socket.off("health", onHealth);
      socket.off("connect", watch);
    };
  }, [socket, pool]);

  return useMemo(() => ({ ticks, health, connected }), [ticks, health, connected]);
}
