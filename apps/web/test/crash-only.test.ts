import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isAlive } from "@weir/db/testing";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { assertBuilt, health, waitFor } from "./support/control-plane";
import { agentConnected, demoServing, demoSetup, descendants, npmStart, sigkill, statusOf } from "./support/npm-start";

// `npm start` as an operator testing resilience meets it: the real supervisor with the whole
// demo, then SIGKILLs.

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

beforeAll(assertBuilt);

async function postmasterPid(dataDir: string): Promise<number> {
  return Number((await readFile(join(dataDir, "postgres", "postmaster.pid"), "utf8")).split("\n")[0]);
}

describe("npm start is crash-only", () => {
  it("12: a SIGKILLed control plane comes back by itself while the agent keeps serving; a start after SIGKILL of everything but Postgres recovers", {
    timeout: 420_000,
  }, async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "weir-crash-"));
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    const setup = await demoSetup(dataDir);
    const controlPlaneOf = (pid: number) =>
      descendants(pid).find((p) => p.command.includes("apps/web/dist/server.mjs"))?.pid ?? 0;

    const first = npmStart(setup, cleanups);
    await waitFor(() => demoServing(setup), first.output, 180_000);
    const killed = controlPlaneOf(first.child.pid ?? 0);
    expect(killed).toBeGreaterThan(0);
    const postgresBefore = await postmasterPid(dataDir);

    // The control plane dies without a word. Until it answers again, every request through the
    // agent is still served.
    process.kill(killed, "SIGKILL");
    await waitFor(() => !isAlive(killed), first.output);
    const during: number[] = [];
    let outageSeen = false;
    await waitFor(
      async () => {
        const up = (await health(setup)).status === 200;
        if (!up) {
          outageSeen = true;
          during.push(await statusOf(setup.demo));
        }
        return up && outageSeen;
      },
      first.output,
      120_000,
    );
    expect(during.length).toBeGreaterThan(0);
    expect(during.filter((status) => status !== 200)).toEqual([]);
    expect(first.output()).toMatch(/\[control plane\] stopped \(SIGKILL\); starting it again in 1 s/);
    // A new control plane, on the Postgres the dead one left, which it stopped and started again.
    expect(controlPlaneOf(first.child.pid ?? 0)).not.toBe(killed);
    expect(isAlive(postgresBefore)).toBe(false);
    await waitFor(() => agentConnected(setup), first.output);
    expect(await statusOf(setup.demo)).toBe(200);

    // Now everything but Postgres dies: the supervisor, the control plane, the agent, the
    // backends, the traffic. Postgres is left running, owned by no one.
    const postgresLeft = await postmasterPid(dataDir);
    // Postgres's processes: the postmaster (argv[0] a path ending in /postgres) and its children
    // (which name themselves "postgres: ...").
    const isPostgres = (command: string) => /^(\S*\/)?postgres(:|\s|$)/.test(command);
    const everyone = [
      first.child.pid ?? 0,
      ...descendants(first.child.pid ?? 0)
        .filter((p) => !isPostgres(p.command))
        .map((p) => p.pid),
    ];
    for (const pid of everyone) sigkill(pid);
    await first.exited;
    await waitFor(() => everyone.every((pid) => !isAlive(pid)), first.output);
    expect(isAlive(postgresLeft)).toBe(true);

    // The next `npm start` needs no hand step.
    const second = npmStart(setup, cleanups);
    await waitFor(() => demoServing(setup), second.output, 180_000);
    expect(second.output()).not.toContain("WEIR_E_DB");
    expect(isAlive(postgresLeft)).toBe(false);
    const postgresNow = await postmasterPid(dataDir);
    expect(isAlive(postgresNow)).toBe(true);

    // Ctrl-C still stops everything, Postgres included.
    const started = descendants(second.child.pid ?? 0).map((p) => p.pid);
    expect(started).toContain(postgresNow);
    second.child.kill("SIGINT");
    await second.exited;
    await waitFor(() => started.every((pid) => !isAlive(pid)), second.output);
  });
});
