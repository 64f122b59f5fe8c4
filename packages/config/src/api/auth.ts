import { z } from "zod";
import { idSchema, roleSchema, rowVersionSchema, textSchema } from "./common";

export const emailSchema = z
  .email("must be an email address")
  .max(254)
  .transform((email) => email.toLowerCase());
/** Length is what makes a password strong; no composition rules (NIST SP 800-63B). */
export const passwordSchema = z
  .string()
  .min(12, "must be at least 12 characters")
  .max(256, "must be at most 256 characters");

export const signInInputSchema = z.strictObject({
  email: emailSchema,
  password: z.string().min(1, "must not be empty").max(256),
});

export const userSchema = z.object({
  id: z.string(),
  email: z.string(),
  name: z.string(),
  role: roleSchema,
  disabled: z.boolean(),
  lastLoginAt: z.string().nullable(),
  version: z.number(),
  createdAt: z.string(),
});
export type User = z.infer<typeof userSchema>;

export const meSchema = z.object({
  user: userSchema,
  via: z.enum(["session", "api_token"]),
});

export const createUserInputSchema = z.strictObject({
  email: emailSchema,
  name: textSchema({ max: 100 }),
  role: roleSchema,
  password: passwordSchema,
});

export const updateUserInputSchema = z.strictObject({
  id: idSchema,
  version: rowVersionSchema,
  name: textSchema({ max: 100 }).optional(),
  role: roleSchema.optional(),
  disabled: z.boolean().optional(),
  password: passwordSchema.optional(),
});

const expiresInDaysSchema = z.number().int().min(1, "must be at least 1 day").max(3650, "must be at most 3650 days");

export const apiTokenSchema = z.object({
  id: z.string(),
  name: z.string(),
  prefix: z.string(),
  role: roleSchema,
  userId: z.string(),
  userEmail: z.string(),
  lastUsedAt: z.string().nullable(),
  expiresAt: z.string().nullable(),
  revokedAt: z.string().nullable(),
  createdAt: z.string(),
});
export type ApiToken = z.infer<typeof apiTokenSchema>;

export const createApiTokenInputSchema = z.strictObject({
  name: textSchema({ max: 100 }),
  /** At most the creator's own role. */
  role: roleSchema,
  expiresInDays: expiresInDaysSchema.optional(),
});

/** The only time the secret is returned; it is stored as a hash. */
export const createdSecretSchema = z.object({ id: z.string(), token: z.string(), prefix: z.string() });

export const enrollmentTokenSchema = z.object({
  id: z.string(),
  name: z.string(),
  prefix: z.string(),
  createdBy: z.string().nullable(),
  lastUsedAt: z.string().nullable(),
  expiresAt: z.string().nullable(),
  revokedAt: z.string().nullable(),
  createdAt: z.string(),
  agents: z.number(),
});

export const createEnrollmentTokenInputSchema = z.strictObject({
  name: textSchema({ max: 100 }),
  expiresInDays: expiresInDaysSchema.optional(),
});

export const byIdInputSchema = z.strictObject({ id: idSchema });
