import { databaseEnvSchema, parseEnvOrExit } from "@weir/db";
import { z } from "zod";

const flag = z
  .enum(["1", "0", "true", "false", "yes", "no", "on", "off", ""])
  .transform((value) => ["1", "true", "yes", "on"].includes(value));

/** The control plane's whole environment, validated once at start-up. */
export const envSchema = databaseEnvSchema.extend({
  PORT: z.coerce.number().int().min(1).max(65535).default(3000),
  HOST: z.string().default("0.0.0.0"),
  WEIR_ADMIN_EMAIL: z.email().default("admin@weir.local"),
  WEIR_ADMIN_PASSWORD: z
    .string()
    .min(8, "must be at least 8 characters")
    .optional()
    .or(z.literal("").transform(() => undefined)),
  /** Seed and run the demo (pool, agent, backends, traffic). */
  WEIR_DEMO: flag.default(true),
  WEIR_LOG_LEVEL: z.enum(["debug", "info", "warn", "error"]).default("info"),
  NODE_ENV: z.enum(["development", "production", "test"]).default("production"),
});

export type Env = z.infer<typeof envSchema>;

export function loadEnv(): Env {
  return parseEnvOrExit(envSchema);
}
