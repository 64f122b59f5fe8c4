import { DEFAULT_DEMO_TRAFFIC_CONTROL } from "@weir/api";
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
  /** Where the demo pool's three backends (v1, v1, v2) listen: "host:port,host:port,host:port". */
  WEIR_DEMO_BACKENDS: z
    .string()
    .default("127.0.0.1:9101,127.0.0.1:9102,127.0.0.1:9103")
    .transform((value, context) => {
      const addresses = value.split(",").map((entry) => entry.trim());
      const parsed = addresses.map((entry) => /^(?<host>[^:\s]+):(?<port>\d{1,5})$/.exec(entry)?.groups);
      if (parsed.length !== 3 || parsed.some((address) => !address)) {
        context.addIssue({ code: "custom", message: "must be three host:port addresses separated by commas" });
        return z.NEVER;
      }
      return parsed.map((address) => ({ host: address?.host ?? "", port: Number(address?.port) }));
    }),
  /** Port of the demo listener the agents open. */
  WEIR_DEMO_PORT: z.coerce.number().int().min(1).max(65535).default(8080),
  /** `host:port` of the demo traffic generator's control endpoint (the dashboard's traffic knob). */
  WEIR_DEMO_TRAFFIC_CONTROL: z
    .string()
    .regex(/^[^:\s/]+:\d{1,5}$/, "must be host:port, e.g. 127.0.0.1:9199")
    .default(DEFAULT_DEMO_TRAFFIC_CONTROL),
  /** Behind a load balancer: take the client address and scheme from X-Forwarded-For/Proto. */
  WEIR_TRUST_PROXY: flag.default(false),
  /** Keep 10-second metric rollups this many hours, and 5-minute ones this many days. */
  WEIR_METRICS_RAW_RETENTION_HOURS: z.coerce
    .number()
    .min(1)
    .max(24 * 90)
    .default(24),
  WEIR_METRICS_COARSE_RETENTION_DAYS: z.coerce.number().min(1).max(3650).default(7),
  WEIR_LOG_LEVEL: z.enum(["debug", "info", "warn", "error"]).default("info"),
  NODE_ENV: z.enum(["development", "production", "test"]).default("production"),
});

export type Env = z.infer<typeof envSchema>;

export function loadEnv(): Env {
  return parseEnvOrExit(envSchema);
}
