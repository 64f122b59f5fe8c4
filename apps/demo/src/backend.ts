/**
 * weir-demo-backend --port 9101 --version v1 [--latency-ms 5] [--error-rate 0.1] [--cpu-ms 2]
 * Each flag may also come from the environment: PORT, VERSION, LATENCY_MS, ERROR_RATE, CPU_MS.
 */
import { parseArgs } from "node:util";
import { z } from "zod";
import { createDemoBackend } from "./backend-server";

const { values } = parseArgs({
  options: {
    port: { type: "string" },
    host: { type: "string" },
    version: { type: "string" },
    "latency-ms": { type: "string" },
    "error-rate": { type: "string" },
    "cpu-ms": { type: "string" },
  },
});

const schema = z.object({
  port: z.coerce.number().int().min(1).max(65535),
  host: z.string().default("0.0.0.0"),
  version: z.string().min(1).default("v1"),
  latencyMs: z.coerce.number().min(0).default(0),
  errorRate: z.coerce.number().min(0).max(1).default(0),
  cpuMs: z.coerce.number().min(0).default(0),
});

const parsed = schema.safeParse({
  port: values.port ?? process.env.PORT,
  host: values.host ?? process.env.HOST,
  version: values.version ?? process.env.VERSION,
  latencyMs: values["latency-ms"] ?? process.env.LATENCY_MS,
  errorRate: values["error-rate"] ?? process.env.ERROR_RATE,
  cpuMs: values["cpu-ms"] ?? process.env.CPU_MS,
});
if (!parsed.success) {
  for (const issue of parsed.error.issues) process.stderr.write(`--${issue.path.join(".")}: ${issue.message}\n`);
  process.exit(2);
}
const options = parsed.data;
const server = createDemoBackend(options);
server.listen(options.port, options.host, () => {
  process.stdout.write(`demo backend ${options.version} listening on ${options.host}:${options.port}\n`);
});
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => server.close(() => process.exit(0)));
}
