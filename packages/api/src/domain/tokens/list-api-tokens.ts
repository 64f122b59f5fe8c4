import type { ApiToken } from "@weir/config/api";
import type { Db } from "@weir/db";
import type { Actor } from "../../auth/actor";
import { toApiTokenDto } from "./token-dto";

/** An admin sees every token; anyone else sees their own. */
export async function listApiTokens({ db, actor }: { db: Db; actor: Actor }): Promise<ApiToken[]> {
  const tokens = await db.apiToken.findMany({
    where: actor.role === "admin" ? {} : { userId: actor.userId },
    include: { user: { select: { email: true } } },
    orderBy: { createdAt: "desc" },
  });
  return tokens.map(toApiTokenDto);
}
