import { afterEach, describe, expect, it } from "vitest";
import type { HealthEvent } from "../../src";
import { statusMatcher } from "../../src/health/active";
import { Cleanup, startBackend } from "../support/backends";
import { eventually } from "../support/client";
import { singlePoolConfig } from "../support/config";
import { startEngine } from "../support/engine";

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

describe("expected statuses", () => {
  it.each([
    [["2xx"], 204, true],
    [["2xx"], 301, false],
    [[200, "3xx"], 302, true],
    [[200], 201, false],
    [["503"], 503, true],
  ])("%j accepts %d: %s", (patterns, status, ok) => {
    expect(statusMatcher(patterns as never)(status)).toBe(ok);
  });
});

describe("active HTTP checks", () => {
  it("takes a backend out after `unhealthyThreshold` failed checks and back after `healthyThreshold` passes", async () => {
    let healthy = true;
    const a = await startBackend("a", (req, res) => {
      req.resume();
      if (req.url === "/health") {
        res.writeHead(healthy ? 200 : 500);
        res.end();
      } else res.end("a");
    });
    const b = await startBackend("b");
    cleanup.add(() => a.close());
    cleanup.add(() => b.close());
    const { engine, port, client } = await startEngine(
      cleanup,
      singlePoolConfig([a, b], {
        healthCheck: {
          type: "http",
          path: "/health",
          intervalMs: 100,
          jitterPercent: 0,
          unhealthyThreshold: 2,
          healthyThreshold: 3,
        },
      }),
    );
    const events: HealthEvent[] = [];
    engine.on("health", (e) => events.push(e));
    healthy = false;
    await eventually(() => engine.health().find((h) => h.backend === "a")?.state === "unhealthy");
    expect(engine.health().find((h) => h.backend === "a")?.reason).toMatch(/failed 2 checks: HTTP 500/);
    const bodies = new Set<string>();
    for (let i = 0; i < 10; i++) bodies.add((await client.get(port, "/")).body);
    expect([...bodies]).toEqual(["b"]);
    healthy = true;
    await eventually(() => engine.health().find((h) => h.backend === "a")?.state === "healthy");
    expect(events.map((e) => `${e.backend}:${e.from}->${e.to}`)).toEqual([
      "a:healthy->unhealthy",
      "a:unhealthy->healthy",
    ]);
    expect(events[1]?.reason).toMatch(/passed 3 checks/);
  });

  it("fails a check that exceeds its timeout", async () => {
    const a = await startBackend("a", (req) => {
      req.resume(); // never answers
    });
    cleanup.add(() => a.close());
    const { engine } = await startEngine(
      cleanup,
      singlePoolConfig([a], { healthCheck: { type: "http", intervalMs: 100, timeoutMs: 50, unhealthyThreshold: 1 } }),
    );
    await eventually(() => engine.health()[0]?.state === "unhealthy");
  });
});

describe("active TCP checks", () => {
  it("marks a backend whose port refuses connections unhealthy", async () => {
    const a = await startBackend("a");
    const b = await startBackend("b");
    cleanup.add(() => b.close());
    const { engine } = await startEngine(
      cleanup,
      singlePoolConfig([a, b], { healthCheck: { type: "tcp", intervalMs: 100, unhealthyThreshold: 1 } }),
    );
    await a.kill();
    await eventually(() => engine.health().find((h) => h.backend === "a")?.state === "unhealthy");
    expect(engine.health().find((h) => h.backend === "a")?.reason).toMatch(/ECONNREFUSED/);
    expect(engine.health().find((h) => h.backend === "b")?.state).toBe("healthy");
  });
});
