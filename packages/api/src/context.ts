import type { Db } from "@weir/db";

/** What every procedure sees. Sign-in (the actor) arrives with the API issue. */
export interface Context {
  db: Db;
}

export function createContextFactory(deps: { db: Db }): () => Context {
  return () => ({ db: deps.db });
}
