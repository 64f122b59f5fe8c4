import { readFile } from "node:fs/promises";
import { hostname } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { parseLabels } from "@weir/config";
import { runConnected } from "./connected";
import { readEnv } from "./env";
import { createLogger } from "./log";
import { runStandalone } from "./standalone";
import { AGENT_VERSION } from "./version";

const usage = `usage:
  weir-agent --control-plane <url> --token <token>|--token-file <file> [--name <name>] [--labels k=v,...]
             [--data-dir <dir>] [--admin host:port]
  weir-agent --config <file.yaml|file.json> [--admin host:port]

  --control-plane  the control plane to take config from (env WEIR_CONTROL_PLANE)
  --token          agent enrollment token, from Settings → Agents (env WEIR_AGENT_TOKEN)
  --token-file     read the token from this file instead (env WEIR_AGENT_TOKEN_FILE; Docker secrets)
  --name           this agent's unique name (env WEIR_AGENT_NAME; default: the host name)
  --labels         labels that listeners select agents by, e.g. env=prod,zone=a (env WEIR_AGENT_LABELS)
  --data-dir       where the last applied config is kept (env WEIR_AGENT_DATA_DIR; default .weir-agent)
  --config         standalone: run the proxy engine from this file, with no control plane, and
                   reload it when it changes
  --admin          serve /healthz, /readyz, /metrics (Prometheus), /snapshot, /health and /status
                   on this address (env WEIR_AGENT_ADMIN)
`;

async function main(): Promise<void> {
  const env = readEnv();
  const logger = createLogger(env.WEIR_LOG_LEVEL);
  const { values } = parseArgs({
    options: {
      config: { type: "string" },
      "control-plane": { type: "string" },
      token: { type: "string" },
      "token-file": { type: "string" },
      name: { type: "string" },
      labels: { type: "string" },
      "data-dir": { type: "string" },
      admin: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
  });
  const controlPlane = values["control-plane"] ?? env.WEIR_CONTROL_PLANE;
  const admin = values.admin ?? env.WEIR_AGENT_ADMIN;
  if (values.help || (values.config === undefined && controlPlane === undefined)) {
    process.stdout.write(usage);
    process.exit(values.help ? 0 : 2);
  }
  if (values.config !== undefined && controlPlane !== undefined) {
    throw new Error("--config and --control-plane exclude each other: standalone or connected, not both");
  }

  let close: () => Promise<void>;
  if (values.config !== undefined) {
    const agent = await runStandalone({ configPath: values.config, admin, logger });
    close = agent.close;
  } else {
    const tokenFile = values["token-file"] ?? env.WEIR_AGENT_TOKEN_FILE;
    const token =
      values.token ?? env.WEIR_AGENT_TOKEN ?? (tokenFile === undefined ? undefined : await readTokenFile(tokenFile));
    if (token === undefined)
      throw new Error(
        "--token or --token-file (or WEIR_AGENT_TOKEN / WEIR_AGENT_TOKEN_FILE) is required with --control-plane",
      );
    const name = (values.name ?? env.WEIR_AGENT_NAME ?? hostname()).toLowerCase();
    const labels = parseLabels(values.labels ?? env.WEIR_AGENT_LABELS ?? "");
    const dataDir = values["data-dir"] ?? env.WEIR_AGENT_DATA_DIR ?? join(process.cwd(), ".weir-agent");
    const agent = await runConnected({
      controlPlane: controlPlane as string,
      token,
      name,
      labels,
      dataDir,
      admin,
      logger,
      softwareVersion: AGENT_VERSION,
    });
    close = agent.close;
  }
  const stop = (signal: string) => {
    logger.info("shutting down: draining connections", { signal });
    void close().then(() => process.exit(0));
  };
  process.once("SIGINT", () => stop("SIGINT"));
  process.once("SIGTERM", () => stop("SIGTERM"));
}

/** The token from a file (trimmed), waiting up to a minute for it: a control plane may still be writing it. */
async function readTokenFile(path: string): Promise<string> {
  for (let attempt = 0; ; attempt++) {
    try {
      const token = (await readFile(path, "utf8")).trim();
      if (token !== "") return token;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT" || attempt >= 60)
        throw new Error(`--token-file ${path}: ${(error as Error).message}`);
    }
    if (attempt >= 60) throw new Error(`--token-file ${path} is empty`);
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

main().catch((err: Error & { code?: string; issues?: readonly string[] }) => {
  process.stderr.write(`weir-agent: ${err.message}\n`);
  process.exit(1);
});
