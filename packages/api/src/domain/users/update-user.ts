import type { User } from "@weir/config/api";
import type { Db, Role } from "@weir/db";
import type { Actor } from "../../auth/actor";
import { apiError } from "../../errors";
import { recordAudit } from "../audit/record-audit";
import { hashPassword } from "./password";
import { toUserDto } from "./user-dto";

/**
 * Re-role, rename, disable or re-password a user. Disabling a user or changing their password
 * ends their sessions. The last enabled admin can be neither demoted nor disabled.
 */
export async function updateUser(options: {
  db: Db;
  actor: Actor;
  ip?: string;
  input: {
    id: string;
    version: number;
    name?: string | undefined;
    role?: Role | undefined;
    disabled?: boolean | undefined;
    password?: string | undefined;
  };
}): Promise<User> {
  const { db, input } = options;
  const passwordHash = input.password === undefined ? undefined : await hashPassword(input.password);
  return db.$transaction(async (tx) => {
    const before = await tx.user.findUnique({ where: { id: input.id } });
    if (!before) throw apiError("WEIR_E_NOT_FOUND", `No user with id ${input.id}.`, { field: "id" });
    if (before.version !== input.version) {
      throw apiError(
        "WEIR_E_CONFLICT",
        `User ${before.email} was changed by someone else (version ${before.version}, you sent ${input.version}).`,
        {
          field: "version",
          current: toUserDto(before),
        },
      );
    }
    const losesAdmin =
      before.role === "admin" &&
      !before.disabled &&
      ((input.role !== undefined && input.role !== "admin") || input.disabled === true);
    if (losesAdmin && (await tx.user.count({ where: { role: "admin", disabled: false } })) <= 1) {
      throw apiError("WEIR_E_FORBIDDEN", "This is the last enabled admin; make another admin first.", {
        field: input.disabled ? "disabled" : "role",
      });
    }
    const after = await tx.user.update({
      where: { id: input.id },
      data: {
        ...(input.name !== undefined ? { name: input.name } : {}),
        ...(input.role !== undefined ? { role: input.role } : {}),
        ...(input.disabled !== undefined ? { disabled: input.disabled } : {}),
        ...(passwordHash !== undefined ? { passwordHash } : {}),
        version: { increment: 1 },
      },
    });
    if (input.disabled === true || passwordHash !== undefined)
      await tx.session.deleteMany({ where: { userId: input.id } });
    const dto = toUserDto(after);
    await recordAudit(tx, {
      actor: options.actor,
      action: "user.update",
      targetType: "user",
      targetId: input.id,
      before: toUserDto(before),
      after: { ...dto, ...(passwordHash ? { passwordChanged: true } : {}) },
      ip: options.ip,
    });
    return dto;
  });
}
