import type { User } from "@weir/config/api";
import type { Db, Role } from "@weir/db";
import type { Actor } from "../../auth/actor";
import { apiError } from "../../errors";
import { recordAudit } from "../audit/record-audit";
import { hashPassword } from "./password";
import { toUserDto } from "./user-dto";

export async function createUser(options: {
  db: Db;
  actor: Actor;
  ip?: string;
  input: { email: string; name: string; role: Role; password: string };
}): Promise<User> {
  const { db, input } = options;
  const passwordHash = await hashPassword(input.password);
  return db.$transaction(async (tx) => {
    if (await tx.user.findUnique({ where: { email: input.email } })) {
      throw apiError("WEIR_E_DUPLICATE", `A user with email ${input.email} already exists.`, { field: "email" });
    }
    const user = await tx.user.create({
      data: { email: input.email, name: input.name, role: input.role, passwordHash },
    });
    const dto = toUserDto(user);
    await recordAudit(tx, {
      actor: options.actor,
      action: "user.create",
      targetType: "user",
      targetId: user.id,
      after: dto,
      ip: options.ip,
    });
    return dto;
  });
}
