import { metricsSnapshotSchema, quantile } from "@weir/config";
import { afterEach, describe, expect, it } from "vitest";
import { Cleanup, startBackend } from "../support/backends";
import { singlePoolConfig } from "../support/config";
import { startEngine } from "../support/engine";

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

describe("metrics", () => {
  it("counts requests by status class per route, pool and backend, with latency histograms", async () => {
    const a = await startBackend("a", (req, res) => {
      req.resume();
      res.writeHead(req.url === "/missing" ? 404 : 200);
      res.end();
    });
    cleanup.add(() => a.close());
    const { engine, port, client } = await startEngine(cleanup, singlePoolConfig([a]));
    for (let i = 0; i < 7; i++) await client.get(port, "/");
    for (let i = 0; i < 3; i++) await client.get(port, "/missing");
    const snap = metricsSnapshotSchema.parse(engine.metrics.snapshot());
    for (const series of [snap.routes["web/all"], snap.pools.p, snap.backends["p/a"]]) {
      expect(series?.requests).toMatchObject({ "2xx": 7, "4xx": 3, "5xx": 0 });
      expect(series?.latency.count).toBe(10);
      expect(series?.active).toBe(0);
      const p99 = quantile(series!.latency, 0.99) as number;
      expect(p99).toBeGreaterThan(0);
      expect(p99).toBeLessThanOrEqual(series!.latency.maxMicros);
    }
    expect(snap.backends["p/a"]).toMatchObject({
      health: "healthy",
      connectionsOpened: 1,
      connectionsOpen: 1,
      version: "v1",
    });
    // Keep-alive: client connections stay open (the client may open a second while the first frees up).
    expect(snap.listeners.web?.connectionsOpen).toBe(snap.listeners.web?.connectionsAccepted);
    expect(snap.listeners.web?.connectionsAccepted).toBeLessThanOrEqual(2);
    expect(snap.configVersion).toBe(1);
  });

  it("exposes Prometheus text with typed families and cumulative histogram buckets", async () => {
    const a = await startBackend("a");
    cleanup.add(() => a.close());
    const { engine, port, client } = await startEngine(cleanup, singlePoolConfig([a]));
    for (let i = 0; i < 5; i++) await client.get(port, "/");
    const text = engine.metrics.prometheus();
    expect(text).toContain("# TYPE weir_backend_requests_total counter");
    expect(text).toContain('weir_backend_requests_total{pool="p",backend="a",version="v1",class="2xx"} 5');
    expect(text).toContain('weir_route_requests_total{listener="web",route="all",class="2xx"} 5');
    expect(text).toContain('weir_backend_latency_seconds_bucket{pool="p",backend="a",version="v1",le="+Inf"} 5');
    expect(text).toContain('weir_backend_up{pool="p",backend="a",version="v1"} 1');
    const buckets = [...text.matchAll(/weir_pool_latency_seconds_bucket\{pool="p",le="[^"]+"\} (\d+)/g)].map((m) =>
      Number(m[1]),
    );
    expect(buckets.length).toBe(17);
    for (let i = 1; i < buckets.length; i++) expect(buckets[i]).toBeGreaterThanOrEqual(buckets[i - 1] as number);
    for (const line of text.trim().split("\n"))
      expect(line).toMatch(/^(# (HELP|TYPE) \w+ .+|\w+(\{[^}]*\})? [0-9.e+-]+)$/);
  });
});
