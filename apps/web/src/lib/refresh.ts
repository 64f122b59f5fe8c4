import type { InvalidateQueryFilters, Query, QueryClient } from "@tanstack/react-query";

/**
 * Refetches what this browser's own change made stale. A read already in flight may have started
 * before the change (the page was still loading when the form was sent); when the query has no
 * data yet React Query hands back that read's answer instead of starting another, so the new row
 * would stay missing. Cancelling first discards the older read.
 */
export async function refetchAfterChange(queryClient: QueryClient, filters: InvalidateQueryFilters = {}) {
  await queryClient.cancelQueries(filters);
  await queryClient.invalidateQueries(filters);
}

/**
 * Refetches what someone else's change (a live `invalidate` event) made stale. Events may come
 * several times a second during a rollout, so nothing is cancelled: a query with data refetches
 * (React Query replaces its in-flight read), and a first load already in flight is let finish and
 * then refetched once more, because it may have read the database before the change.
 */
export async function refetchAfterEvent(queryClient: QueryClient, filters: InvalidateQueryFilters = {}) {
  const matches = (query: Query) => filters.predicate?.(query) ?? true;
  const firstLoad = (query: Query) => query.state.data === undefined && query.state.fetchStatus === "fetching";
  const loading = queryClient.getQueryCache().findAll({ ...filters, predicate: (q) => matches(q) && firstLoad(q) });
  await queryClient.invalidateQueries({ ...filters, predicate: (q) => matches(q) && !loading.includes(q) });
  if (loading.length === 0) return;
  // Resolves when those reads end (an in-flight read is joined, not restarted).
  await queryClient.refetchQueries({ predicate: (q) => loading.includes(q) }, { cancelRefetch: false }).catch(() => {});
  await queryClient.invalidateQueries({ predicate: (q) => loading.includes(q) });
}
