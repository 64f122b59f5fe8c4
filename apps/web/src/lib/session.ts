"use client";

import { useQuery } from "@tanstack/react-query";
import { useTRPC } from "@/lib/trpc";

/** The signed-in user; `canEdit` hides controls a viewer could not use (the API refuses them anyway). */
export function useSession() {
  const trpc = useTRPC();
  const me = useQuery({ ...trpc.auth.me.queryOptions(), retry: false, staleTime: 30_000 });
  const role = me.data?.user.role;
  return { user: me.data?.user, canEdit: role === "operator" || role === "admin", isAdmin: role === "admin" };
}
