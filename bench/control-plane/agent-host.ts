/**
 * Several real agents (agent code and proxy engines) in one process, for the propagation
 * benchmark: `agent-host.ts <control plane url> <token> <name>...`. Reports every applied config
 * version to the parent over IPC with a precise timestamp.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runConnected } from "@weir/agent";
import { preciseNow } from "./lib";

const [url, token, ...names] = process.argv.slice(2);
const silent = { debug() {}, info() {}, warn() {}, error() {} };
const agents = await Promise.all(
  names.map((name) =>
    runConnected({
      controlPlane: url as string,
      token: token as string,
      name,
      labels: { agent: name },
      dataDir: mkdtempSync(join(tmpdir(), `weir-bench-${name}-`)),
      softwareVersion: "bench",
      logger: silent,
      onApplied: (version, applyMs) => process.send?.({ name, version, at: preciseNow(), applyMs }),
    }),
  ),
);
await Promise.all(agents.map((a) => a.welcomed));
process.send?.({ ready: names.length });
process.on("SIGTERM", () => void Promise.all(agents.map((a) => a.close())).then(() => process.exit(0)));
