import { z } from "zod";

/**
 * The agent's environment, read once here and validated; a bad value stops start-up with its name.
 * Every command-line flag of the connected mode has a variable, so a container can be configured
 * from its environment alone (and the token kept out of the process list).
 */
/** Unset and empty mean the same: compose files pass `${VAR:-}` through as "". */
const unsetIfEmpty = <T extends z.ZodType>(schema: T) =>
  z
    .literal("")
    .transform(() => undefined)
    .or(schema.optional());

const envSchema = z.object({
  WEIR_LOG_LEVEL: z.enum(["debug", "info", "warn", "error"]).default("info"),
  WEIR_CONTROL_PLANE: unsetIfEmpty(z.url({ protocol: /^https?$/, error: "must be an http(s) URL" })),
  WEIR_AGENT_TOKEN: unsetIfEmpty(z.string()),
  WEIR_AGENT_TOKEN_FILE: unsetIfEmpty(z.string()),
  WEIR_AGENT_NAME: unsetIfEmpty(z.string()),
  WEIR_AGENT_LABELS: unsetIfEmpty(z.string()),
  WEIR_AGENT_DATA_DIR: unsetIfEmpty(z.string()),
  WEIR_AGENT_ADMIN: unsetIfEmpty(z.string()),
});

export type AgentEnv = z.output<typeof envSchema>;

export function readEnv(source: NodeJS.ProcessEnv = process.env): AgentEnv {
  const result = envSchema.safeParse(source);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
    throw new Error(`invalid environment:\n  ${lines.join("\n  ")}`);
  }
  return result.data;
}
