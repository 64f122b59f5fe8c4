import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  type ProcessExit,
  ProcessStartError,
  ProcessSupervisor,
  type ProcessSupervisorOptions,
  type SupervisedProcess,
} from "../src/process-supervisor";

/**
 * Real child processes: a tiny node HTTP server whose behaviour the test picks with `--mode`.
 *   ok           listens, answers its version, exits 0 on SIGTERM after closing the server
 *   crash        writes to stderr and exits 3 before listening
 *   never        writes to stderr and never listens
 *   stubborn     listens and ignores SIGTERM
 *   die-on-hit   listens and exits 7 on its first request
 */
const SCRIPT = `
import http from "node:http";
const arg = (name) => process.argv[process.argv.indexOf("--" + name) + 1];
const port = Number(arg("port"));
const version = arg("version");
const mode = arg("mode");
if (mode === "crash") {
  console.error("loading config...");
  console.error("Error: cannot read /etc/backend.conf");
  process.exit(3);
}
if (mode === "never") {
  console.error("warming up caches");
  setInterval(() => {}, 1000);
} else {
  const server = http.createServer((req, res) => {
    res.end(version);
    if (mode === "die-on-hit") setImmediate(() => process.exit(7));
  });
  server.listen(port, "127.0.0.1");
  process.on("SIGTERM", () => {
    if (mode === "stubborn") return;
    server.close(() => process.exit(0));
  });
}
`;

let dir: string;
let script: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "weir-supervisor-"));
  script = join(dir, "backend.mjs");
  await writeFile(script, SCRIPT);
  return () => rm(dir, { recursive: true, force: true });
});

const supervisors: ProcessSupervisor[] = [];
const blockers: Server[] = [];
afterEach(async () => {
  for (const s of supervisors.splice(0)) await s.stopAll(0);
  for (const b of blockers.splice(0)) await new Promise((r) => b.close(r));
});

/** A range of `size` ports that were free a moment ago. */
let nextBase = 20_000 + Math.floor(Math.random() * 30_000);
function portRange(size: number) {
  const from = nextBase;
  nextBase += size;
  return { from, to: from + size - 1 };
}

function supervisor(mode: string, extra: Partial<ProcessSupervisorOptions> = {}) {
  const exits: ProcessExit[] = [];
  const s = new ProcessSupervisor({
    commandTemplate: `"${process.execPath}" '${script}' --port {port} --version {version} --mode ${mode}`,
    portRange: portRange(5),
    startupTimeoutMs: 10_000,
    stopGraceMs: 5_000,
    probeIntervalMs: 20,
    onExit: (e) => exits.push(e),
    ...extra,
  });
  supervisors.push(s);
  return { s, exits };
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function until(check: () => boolean, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe("process supervisor", () => {
  it("starts N backends on distinct ports of the range, each serving, and lists them", async () => {
    const range = portRange(5);
    const { s } = supervisor("ok", { portRange: range });
    const { started, failed } = await s.startMany(3, "v2");
    expect(failed).toEqual([]);
    const ports = started.map((p) => p.port).sort();
    expect(new Set(ports).size).toBe(3);
    for (const port of ports) {
      expect(port).toBeGreaterThanOrEqual(range.from);
      expect(port).toBeLessThanOrEqual(range.to);
      const res = await fetch(`http://127.0.0.1:${port}/`);
      expect(await res.text()).toBe("v2");
    }
    expect(s.list()).toEqual(
      ports.map((port) => ({
        port,
        host: "127.0.0.1",
        pid: expect.any(Number),
        version: "v2",
        startedAt: expect.any(Number),
        state: "running",
      })),
    );
  });

  it("skips a port of the range that another program holds", async () => {
    const range = portRange(3);
    const blocker = createServer();
    blockers.push(blocker);
    await new Promise<void>((r) => blocker.listen(range.from, "127.0.0.1", r));
    const { s } = supervisor("ok", { portRange: range });
    expect((await s.start("v1")).port).toBe(range.from + 1);
  });

  it("stops gracefully with SIGTERM and reports an expected exit", async () => {
    const { s, exits } = supervisor("ok");
    const p = await s.start("v1");
    const exit = await s.stop(p.port);
    expect(exit).toMatchObject({ code: 0, signal: null, expected: true, process: { port: p.port, state: "stopping" } });
    expect(s.list()).toEqual([]);
    expect(alive(p.pid)).toBe(false);
    await until(() => exits.length === 1);
    expect(exits[0]).toMatchObject({ expected: true, code: 0 });
  });

  it("kills a process that ignores SIGTERM after the grace period", async () => {
    const { s } = supervisor("stubborn");
    const p = await s.start("v1");
    const exit = await s.stop(p.port, 200);
    expect(exit).toMatchObject({ code: null, signal: "SIGKILL", expected: true });
    expect(alive(p.pid)).toBe(false);
  });

  it("fails a start whose process exits before listening, with its last stderr lines", async () => {
    const { s, exits } = supervisor("crash");
    const error = (await s.start("v1").catch((e: unknown) => e)) as ProcessStartError;
    expect(error).toBeInstanceOf(ProcessStartError);
    expect(error.reason).toBe("exited");
    expect(error.code).toBe("WEIR_E_BACKEND_START_FAILED");
    expect(error.message).toMatch(/exited before accepting connections \(code 3\)$/);
    expect(error.details.stderrTail).toEqual(["loading config...", "Error: cannot read /etc/backend.conf"]);
    expect(s.list()).toEqual([]);
    expect(exits).toEqual([]);
  });

  it("fails a start that does not listen within startupTimeoutMs, and kills the process", async () => {
    let pid = 0;
    const { s } = supervisor("never", { startupTimeoutMs: 500 });
    const started = s.start("v1");
    await until(() => {
      pid = s.list()[0]?.pid ?? 0;
      return pid > 0;
    });
    const error = (await started.catch((e: unknown) => e)) as ProcessStartError;
    expect(error.reason).toBe("timeout");
    expect(error.details).toMatchObject({ signal: "SIGKILL", stderrTail: ["warming up caches"] });
    expect(alive(pid)).toBe(false);
    expect(s.list()).toEqual([]);
  });

  it("notices a backend that dies on its own", async () => {
    const { s, exits } = supervisor("die-on-hit");
    const p = await s.start("v1");
    await fetch(`http://127.0.0.1:${p.port}/`).then((r) => r.text());
    await until(() => exits.length === 1);
    expect(exits[0]).toMatchObject({
      expected: false,
      code: 7,
      signal: null,
      process: { port: p.port, state: "running" },
    });
    expect(s.list()).toEqual([]);
  });

  it("notices a backend killed by someone else", async () => {
    const { s, exits } = supervisor("ok");
    const [a, b] = (await s.startMany(2, "v1")).started as [SupervisedProcess, SupervisedProcess];
    process.kill(a.pid, "SIGKILL");
    await until(() => exits.length === 1);
    expect(exits[0]).toMatchObject({ expected: false, signal: "SIGKILL", process: { port: a.port } });
    expect(s.list().map((p) => p.port)).toEqual([b.port]);
  });

  it("refuses to start more processes than the range has ports", async () => {
    const { s } = supervisor("ok", { portRange: portRange(1) });
    await s.start("v1");
    const error = (await s.start("v1").catch((e: unknown) => e)) as ProcessStartError;
    expect(error.reason).toBe("no_free_port");
  });

  it("reports a command that does not exist as a spawn failure", async () => {
    const { s } = supervisor("ok", { commandTemplate: "/nonexistent/weir-backend --port {port}" });
    const error = (await s.start("v1").catch((e: unknown) => e)) as ProcessStartError;
    expect(error.reason).toBe("spawn");
    expect(error.message).toContain("ENOENT");
  });

  it("passes placeholders as whole arguments, never through a shell", async () => {
    // A version label cannot contain spaces or quotes (the schema refuses them), but even a value
    // like this one stays one argument: the template is split before the values are filled in.
    const { s } = supervisor("ok");
    const p = await s.start("v1; echo hacked");
    expect(await (await fetch(`http://127.0.0.1:${p.port}/`)).text()).toBe("v1; echo hacked");
  });

  it("refuses an invalid template at construction", () => {
    expect(() => supervisor("ok", { commandTemplate: "node server.mjs --port {prot}" })).toThrow(
      "has an unknown placeholder {prot}; allowed: {port}, {version}",
    );
    expect(() => supervisor("ok", { commandTemplate: "node 'server.mjs --port {port}" })).toThrow(
      "has an unclosed ' quote",
    );
  });
});
