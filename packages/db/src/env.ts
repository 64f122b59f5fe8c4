import { isAbsolute, resolve } from "node:path";
import { z } from "zod";
import { DEFAULT_SYSTEM_DIR } from "./embedded/host";

/**
 * The database part of every Weir process's environment. Apps merge this into their own env
 * schema, so the variables mean the same everywhere.
 */
export const databaseEnvSchema = z.object({
  DATABASE_URL: z
    .string()
    .trim()
    .regex(/^postgres(ql)?:\/\//, "must be a postgres:// or postgresql:// connection string")
    .optional()
    .or(z.literal("").transform(() => undefined)),
  WEIR_DATA_DIR: z
    .string()
    .default(".weir")
    // npm runs workspace scripts from the workspace folder; INIT_CWD is where the user typed.
    .transform((dir) => resolve(process.env.INIT_CWD ?? process.cwd(), dir)),
  WEIR_PG_PORT: z.coerce.number().int().min(1).max(65535).default(54329),
  /** As root: where the embedded Postgres's binaries and cluster go when its user cannot reach them. */
  WEIR_PG_SYSTEM_DIR: z
    .string()
    .refine((dir) => isAbsolute(dir), "must be an absolute path")
    .default(DEFAULT_SYSTEM_DIR),
});

export type DatabaseEnv = z.infer<typeof databaseEnvSchema>;

/** Parses `schema` from `env`, or explains every bad variable and exits. For process entry points. */
export function parseEnvOrExit<T extends z.ZodType>(schema: T, env: NodeJS.ProcessEnv = process.env): z.infer<T> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  const lines = result.error.issues.map((issue) => `  ${issue.path.join(".") || "(env)"}: ${issue.message}`);
  process.stderr.write(`Invalid environment:\n${lines.join("\n")}\n`);
  process.exit(2);
}
