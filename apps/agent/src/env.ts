import { z } from "zod";

/** The agent's environment, read once here and validated; a bad value stops start-up with its name. */
const envSchema = z.object({
  WEIR_LOG_LEVEL: z.enum(["debug", "info", "warn", "error"]).default("info"),
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
