import { resolve } from "node:path";
import { z } from "zod";

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
