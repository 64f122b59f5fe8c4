import type { InvalidateQueryFilters, QueryClient } from "@tanstack/react-query";

/**
 * Refetches what a change made stale. A read already in flight may have started before the change
 * (the page was still loading when the form was sent, or a live event arrived mid-read); when the
 * query has no data yet React Query hands back that read's answer instead of starting another, so
 * the new row would stay missing. Cancelling first discards the older read.
 */
export async function refetchAfterChange(queryClient: QueryClient, filters: InvalidateQueryFilters = {}) {
  await queryClient.cancelQueries(filters);
  await queryClient.invalidateQueries(filters);
}
