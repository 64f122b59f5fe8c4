import { parseArgs } from "node:util";
import { readEnv } from "./env";
import { createLogger } from "./log";
import { runStandalone } from "./standalone";

const usage = `usage: weir-agent --config <file.yaml|file.json> [--admin host:port]

  --config  run the proxy engine from this file, with no control plane, and reload it when it changes
  --admin   serve /metrics (Prometheus), /snapshot, /health and /config on this address
`;

async function main(): Promise<void> {
  const env = readEnv();
  const logger = createLogger(env.WEIR_LOG_LEVEL);
  const { values } = parseArgs({
    options: { config: { type: "string" }, admin: { type: "string" }, help: { type: "boolean", short: "h" } },
    strict: true,
  });
  if (values.help || values.config === undefined) {
    process.stdout.write(usage);
    process.exit(values.help ? 0 : 2);
  }
  const agent = await runStandalone({ configPath: values.config, admin: values.admin, logger });
  const stop = (signal: string) => {
    logger.info("shutting down: draining connections", { signal });
    void agent.close().then(() => process.exit(0));
  };
  process.once("SIGINT", () => stop("SIGINT"));
  process.once("SIGTERM", () => stop("SIGTERM"));
}

main().catch((err: Error & { code?: string; issues?: readonly string[] }) => {
  process.stderr.write(`weir-agent: ${err.message}\n`);
  process.exit(1);
});
