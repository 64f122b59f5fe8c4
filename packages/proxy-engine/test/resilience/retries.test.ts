import { afterEach, describe, expect, it } from "vitest";
import { Cleanup, startBackend, type TestBackend } from "../support/backends";
import { eventually, TestClient } from "../support/client";
import { singlePoolConfig } from "../support/config";
import { startEngine } from "../support/engine";

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

async function backends(n: number): Promise<TestBackend[]> {
  const list: TestBackend[] = [];
  for (let i = 0; i < n; i++) {
    const b = await startBackend(`b${i}`);
    cleanup.add(() => b.close());
    list.push(b);
  }
  return list;
}

describe("retries", () => {
  it("loses no GET when a backend is killed under load, and ejects it within one check interval", async () => {
    const list = await backends(3);
    const intervalMs = 1_000;
    const { engine, port } = await startEngine(
      cleanup,
      singlePoolConfig(list, {
        healthCheck: { type: "http", path: "/healthz", intervalMs, unhealthyThreshold: 2, healthyThreshold: 1 },
        outlier: { consecutiveConnectFailures: 1, baseEjectionMs: 30_000 },
        retry: { attempts: 2 },
      }),
    );
    const client = new TestClient(32);
    cleanup.add(() => client.close());
    let failures = 0;
    let ok = 0;
    let stop = false;
    const worker = async () => {
      while (!stop) {
        const res = await client.get(port, "/").catch(() => ({ status: 0 }));
        if (res.status === 200) ok++;
        else failures++;
      }
    };
    const workers = Array.from({ length: 16 }, worker);
    await eventually(() => ok > 500);
    const victim = list[1] as TestBackend;
    await victim.kill();
    const killedAt = Date.now();
    await eventually(() => engine.health().find((h) => h.backend === "b1")?.state !== "healthy", intervalMs);
    const detectedAfter = Date.now() - killedAt;
    const okAtKill = ok;
    await eventually(() => ok > okAtKill + 1000);
    stop = true;
    await Promise.all(workers);
    expect(failures).toBe(0);
    expect(detectedAfter).toBeLessThanOrEqual(intervalMs);
    const snap = engine.metrics.snapshot();
    expect(snap.pools.p?.requests["5xx"]).toBe(0);
    expect(snap.backends["p/b1"]?.ejections).toBe(1);
  });

  it("retries an idempotent request answered 503 on another backend", async () => {
    const failing = await startBackend("failing", (req, res) => {
      req.resume();
      res.writeHead(503);
      res.end("busy");
    });
    const good = await startBackend("good");
    cleanup.add(() => failing.close());
    cleanup.add(() => good.close());
    const { port, client, engine } = await startEngine(
      cleanup,
      singlePoolConfig([failing, good], { outlier: { enabled: false } }),
    );
    for (let i = 0; i < 10; i++) {
      const res = await client.get(port, "/");
      expect(res.status).toBe(200);
      expect(res.body).toBe("good");
    }
    // Round robin resumes after the backend the retry used, so every request tries "failing" first.
    expect(failing.requests).toBe(10);
    expect(engine.metrics.snapshot().pools.p?.retries).toBe(10);
  });

  it("does not retry a POST: the backend's 503 reaches the client", async () => {
    const failing = await startBackend("failing", (req, res) => {
      req.resume();
      req.on("end", () => {
        res.writeHead(503);
        res.end("busy");
      });
    });
    const good = await startBackend("good");
    cleanup.add(() => failing.close());
    cleanup.add(() => good.close());
    const { port, client } = await startEngine(
      cleanup,
      singlePoolConfig([failing, good], { outlier: { enabled: false } }),
    );
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await client.get(port, "/", {}, "POST", "data")).status);
    expect(statuses.sort()).toEqual([200, 200, 503, 503]);
  });

  it("stops retrying when the retry budget is spent", async () => {
    const failing = await startBackend("failing", (req, res) => {
      req.resume();
      res.writeHead(503);
      res.end();
    });
    cleanup.add(() => failing.close());
    const { port, client, engine } = await startEngine(
      cleanup,
      singlePoolConfig([failing], {
        outlier: { enabled: false },
        retry: { attempts: 3, budgetPercent: 0, minConcurrentRetries: 0 },
      }),
    );
    expect((await client.get(port, "/")).status).toBe(503);
    expect(engine.metrics.snapshot().pools.p?.retries).toBe(0);
    expect(failing.requests).toBe(1);
  });
});
