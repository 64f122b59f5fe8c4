import type { Role } from "@weir/db";

/** Who is calling: a signed-in user (browser session) or a script with an API token. */
export type Actor =
  | { type: "user"; userId: string; email: string; name: string; role: Role; sessionId: string }
  | { type: "api_token"; userId: string; email: string; name: string; role: Role; tokenId: string; tokenName: string };

export function actorLabel(actor: Actor): string {
  return actor.type === "user" ? actor.email : `${actor.email} (token ${actor.tokenName})`;
}
