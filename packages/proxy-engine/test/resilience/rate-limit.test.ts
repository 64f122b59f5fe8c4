import { afterEach, describe, expect, it } from "vitest";
import { RateLimiter } from "../../src/resilience/rate-limit";
import { Cleanup, startBackend } from "../support/backends";
import { singlePoolConfig } from "../support/config";
import { startEngine } from "../support/engine";

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

describe("token bucket", () => {
  it.each([
    // rate/s, burst, request times (ms) → retry-after answers (0 = allowed)
    [1, 2, [0, 0, 0], [0, 0, 1]],
    [10, 1, [0, 50, 100, 150], [0, 1, 0, 1]],
    [0.5, 1, [0, 1000, 2000], [0, 1, 0]],
  ])("rate %d/s burst %d at %j → %j", (requestsPerSecond, burst, times, expected) => {
    const limiter = new RateLimiter({ requestsPerSecond, burst, key: "client_ip" });
    expect(times.map((t) => limiter.take("k", t))).toEqual(expected);
  });

  it("keeps one bucket per key", () => {
    const limiter = new RateLimiter({ requestsPerSecond: 1, burst: 1, key: "client_ip" });
    expect([limiter.take("a", 0), limiter.take("b", 0), limiter.take("a", 0)]).toEqual([0, 0, 1]);
  });
});

describe("per-route rate limiting", () => {
  it("answers 429 with Retry-After once a header key's burst is spent, other keys unaffected", async () => {
    const a = await startBackend("a");
    cleanup.add(() => a.close());
    let now = 1_000_000;
    const { port, client } = await startEngine(
      cleanup,
      singlePoolConfig(
        [a],
        {},
        {
          routes: [
            {
              name: "all",
              pool: "p",
              rateLimit: { requestsPerSecond: 1, burst: 3, key: "header", headerName: "x-api-key" },
            },
          ],
        },
      ),
      { now: () => now },
    );
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await client.get(port, "/", { "x-api-key": "k1" })).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
    const limited = await client.get(port, "/", { "x-api-key": "k1" });
    expect(limited.headers["retry-after"]).toBe("1");
    expect(limited.body).toContain("WEIR_E_RATE_LIMITED");
    expect((await client.get(port, "/", { "x-api-key": "k2" })).status).toBe(200);
    now += 1_000;
    expect((await client.get(port, "/", { "x-api-key": "k1" })).status).toBe(200);
  });
});
