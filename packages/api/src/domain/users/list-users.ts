import type { User } from "@weir/config/api";
import type { Db } from "@weir/db";
import { toUserDto } from "./user-dto";

export async function listUsers({ db }: { db: Db }): Promise<User[]> {
  const users = await db.user.findMany({ orderBy: { email: "asc" } });
  return users.map(toUserDto);
}
