import { headerOpsSchema, listenerLimitsSchema, rateLimitSchema, routeMatchSchema } from "@weir/config";
import type { ListenerDto } from "@weir/config/api";
import type { Listener, Pool, Route } from "@weir/db";

export type ListenerRow = Listener & {
  defaultPool: Pick<Pool, "name"> | null;
  routes: Array<Route & { pool: Pick<Pool, "name"> }>;
};

export const LISTENER_INCLUDE = {
  defaultPool: { select: { name: true } },
  routes: {
    orderBy: [{ priority: "asc" as const }, { name: "asc" as const }],
    include: { pool: { select: { name: true } } },
  },
};

export function toRouteDto(route: Route & { pool: Pick<Pool, "name"> }) {
  return {
    id: route.id,
    listenerId: route.listenerId,
    name: route.name,
    priority: route.priority,
    match: routeMatchSchema.parse({
      ...(route.hosts.length > 0 ? { hosts: route.hosts } : {}),
      pathPrefix: route.pathPrefix,
      ...(Array.isArray(route.headers) && route.headers.length > 0 ? { headers: route.headers } : {}),
    }),
    poolId: route.poolId,
    pool: route.pool.name,
    requestHeaders: headerOpsSchema.parse(route.requestHeaders),
    responseHeaders: headerOpsSchema.parse(route.responseHeaders),
    rateLimit: route.rateLimit ? rateLimitSchema.parse(route.rateLimit) : null,
    version: route.version,
  };
}

export function toListenerDto(listener: ListenerRow): ListenerDto {
  const tls = listener.tls as { certificates?: Array<{ hosts: string[] }> } | null;
  return {
    id: listener.id,
    name: listener.name,
    protocol: listener.protocol,
    bindAddress: listener.bindAddress,
    port: listener.port,
    limits: listenerLimitsSchema.parse(listener.settings),
    agentSelector: listener.agentSelector as Record<string, string>,
    defaultPool: listener.defaultPool?.name ?? null,
    tls: tls?.certificates
      ? { certificates: tls.certificates.map((certificate) => ({ hosts: certificate.hosts })) }
      : null,
    routes: listener.routes.map(toRouteDto),
    version: listener.version,
  };
}
