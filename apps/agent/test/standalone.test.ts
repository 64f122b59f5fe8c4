import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { loadConfigFile } from "../src/config-file";
import { createLogger } from "../src/log";
import { runStandalone, type Standalone } from "../src/standalone";

const closers: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c();
});

async function backend(name: string): Promise<number> {
  const server: Server = createServer((req, res) => {
    req.resume();
    res.end(name);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  closers.push(() => new Promise((r) => server.close(r)));
  return (server.address() as AddressInfo).port;
}

function config(version: number, port: number, listenerPort = 0) {
  return {
    version,
    listeners: [{ name: "web", bind: { host: "127.0.0.1", port: listenerPort }, routes: [{ name: "all", pool: "p" }] }],
    pools: [
      { name: "p", healthCheck: { type: "none" }, backends: [{ id: "b", address: { host: "127.0.0.1", port } }] },
    ],
  };
}

async function until(check: () => Promise<boolean> | boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe("standalone mode", () => {
  it("runs a YAML file, follows its changes, and keeps serving the last good config when a change is invalid", async () => {
    const dir = await mkdtemp(join(tmpdir(), "weir-agent-"));
    closers.push(() => rm(dir, { recursive: true, force: true }));
    const file = join(dir, "weir.yaml");
    const one = await backend("one");
    const two = await backend("two");
    await writeFile(file, stringify(config(1, one)));
    const lines: string[] = [];
    const agent: Standalone = await runStandalone({
      configPath: file,
      logger: createLogger("info", (l) => lines.push(l)),
      admin: "127.0.0.1:0",
      debounceMs: 20,
    });
    closers.push(() => agent.close());
    const port = agent.engine.port("web");
    const get = async () => (await fetch(`http://127.0.0.1:${port}/`)).text();
    expect(await get()).toBe("one");

    await writeFile(file, stringify(config(2, two)));
    await until(async () => (await get()) === "two");
    expect(agent.version()).toBe(2);
    expect(agent.engine.port("web")).toBe(port);

    await writeFile(file, "version: 3\nlisteners: [{ name: web, bind: { port: 99999 } }]\n");
    await until(() => lines.some((l) => l.includes("config refused")));
    const refusal = JSON.parse(lines.find((l) => l.includes("config refused")) as string);
    expect(refusal).toMatchObject({ level: "error", code: "WEIR_E_INVALID_CONFIG", serving: 2 });
    expect(refusal.issues[0]).toMatch(/^listeners\[0\]\.bind\.port: /);
    expect(await get()).toBe("two");

    await writeFile(file, "version: [not yaml");
    await until(() => lines.filter((l) => l.includes("config refused")).length >= 2);
    expect(await get()).toBe("two");

    await writeFile(file, stringify(config(4, one)));
    await until(async () => (await get()) === "one");

    const metrics = await (await fetch(`http://127.0.0.1:${agent.adminPort()}/metrics`)).text();
    expect(metrics).toContain("weir_config_version 4");
    const health = (await (await fetch(`http://127.0.0.1:${agent.adminPort()}/health`)).json()) as Array<{
      backend: string;
    }>;
    expect(health.map((h) => h.backend)).toEqual(["b"]);
  });

  it("loads JSON files too, and refuses a missing file at start-up", async () => {
    const dir = await mkdtemp(join(tmpdir(), "weir-agent-"));
    closers.push(() => rm(dir, { recursive: true, force: true }));
    const file = join(dir, "weir.json");
    await writeFile(file, JSON.stringify(config(7, 1)));
    expect((await loadConfigFile(file)).version).toBe(7);
    await expect(loadConfigFile(join(dir, "missing.yaml"))).rejects.toThrow(/ENOENT/);
  });

  it("accepts the documented example", async () => {
    const example = await loadConfigFile(new URL("../../../examples/weir.yaml", import.meta.url).pathname);
    expect(example.pools.map((p) => p.name)).toEqual(["api", "web", "db"]);
    expect(example.pools[0]?.trafficSplit?.canaryPercent).toBe(10);
  });
});
