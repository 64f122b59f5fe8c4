import { readdirSync, readFileSync } from "node:fs";
import { freePort, isAlive } from "@weir/db/testing";
import { type RunningProcess, repoRoot, run } from "./control-plane";

// `npm start`'s script (scripts/start.mjs) run as a user runs it, with the whole demo, on ports of
// its own. Linux only: its processes are found through /proc.

export interface DemoSetup {
  env: Record<string, string>;
  port: number;
  /** The demo listener, served by the agent. */
  demo: string;
  agentAdmin: string;
}

export async function demoSetup(dataDir: string): Promise<DemoSetup> {
  const port = await freePort();
  const demoPort = await freePort();
  const agentAdmin = `127.0.0.1:${await freePort()}`;
  const backends = [await freePort(), await freePort(), await freePort()].map((p) => `127.0.0.1:${p}`).join(",");
  return {
    port,
    demo: `http://127.0.0.1:${demoPort}/`,
    agentAdmin,
    env: {
      PORT: String(port),
      HOST: "127.0.0.1",
      DATABASE_URL: "",
      WEIR_ADMIN_PASSWORD: "",
      WEIR_DATA_DIR: dataDir,
      WEIR_PG_PORT: String(await freePort()),
      WEIR_DEMO_PORT: String(demoPort),
      WEIR_DEMO_BACKENDS: backends,
      WEIR_DEMO_AGENT_ADMIN: agentAdmin,
      WEIR_DEMO_TRAFFIC_CONTROL: `127.0.0.1:${await freePort()}`,
      WEIR_DEMO_RATE: "5",
    },
  };
}

/** `node scripts/start.mjs` in `checkout`; cleaned up with Ctrl-C's signal, then SIGKILL for what is left. */
export function npmStart(
  setup: DemoSetup,
  cleanups: Array<() => Promise<void>>,
  checkout: string = repoRoot,
): RunningProcess {
  // Its own cleanup replaces run()'s SIGKILL of the script alone: the children lead groups of their own.
  const started = run(process.execPath, ["scripts/start.mjs"], setup.env, [], checkout);
  const { child, exited } = started;
  const kill = async () => {
    const left = descendants(child.pid ?? 0);
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGINT");
      await Promise.race([exited, new Promise((r) => setTimeout(r, 20_000))]);
    }
    for (const { pid } of [...left, { pid: child.pid ?? 0 }]) sigkill(pid);
  };
  cleanups.push(kill);
  return { ...started, kill };
}

/** Every live descendant of `pid`, with its command line. */
export function descendants(pid: number): Array<{ pid: number; command: string }> {
  const parents = new Map<number, number>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      parents.set(Number(entry), Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]));
    } catch {
      // gone meanwhile
    }
  }
  const found: Array<{ pid: number; command: string }> = [];
  const walk = (parent: number) => {
    for (const [child, ppid] of parents) {
      if (ppid !== parent) continue;
      try {
        found.push({ pid: child, command: readFileSync(`/proc/${child}/cmdline`, "utf8").replaceAll("\0", " ") });
      } catch {
        continue;
      }
      walk(child);
    }
  };
  walk(pid);
  return found;
}

export function sigkill(pid: number): void {
  if (pid > 0 && isAlive(pid))
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // gone meanwhile
    }
}

/** An HTTP status, 0 when nothing answered. */
export async function statusOf(url: string): Promise<number> {
  try {
    return (await fetch(url, { signal: AbortSignal.timeout(5000) })).status;
  } catch {
    return 0;
  }
}

/** Whether the demo agent is connected to a control plane, from its admin `/status`. */
export async function agentConnected(setup: DemoSetup): Promise<boolean> {
  try {
    return ((await (await fetch(`http://${setup.agentAdmin}/status`)).json()) as { connected: boolean }).connected;
  } catch {
    return false;
  }
}

/** The demo is up: served through the agent, which is connected to the control plane. */
export async function demoServing(setup: DemoSetup): Promise<boolean> {
  return (await statusOf(setup.demo)) === 200 && (await agentConnected(setup));
}
