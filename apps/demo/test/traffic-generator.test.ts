import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { startTraffic } from "../src/traffic-generator";

let server: Server | undefined;
afterEach(async () => {
  const s = server;
  server = undefined;
  if (s) {
    s.closeAllConnections();
    await new Promise((resolve) => s.close(resolve));
  }
});

describe("demo traffic generator", () => {
  it("sends GETs at the set rate, follows a rate change, and counts answers by status", async () => {
    const seen: string[] = [];
    server = createServer((req, res) => {
      seen.push(req.url ?? "");
      res.end("ok");
    });
    await new Promise<void>((resolve) => server?.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as AddressInfo).port;
    const traffic = startTraffic({ target: `http://127.0.0.1:${port}`, rate: 100 });
    await new Promise((resolve) => setTimeout(resolve, 1000));
    traffic.setRate(0);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const { sent, byStatus } = traffic.stats();
    // Open loop at 100/s for one second; a loaded machine may delay ticks but never adds sends.
    expect(sent).toBeGreaterThan(30);
    expect(sent).toBeLessThanOrEqual(105);
    expect(byStatus["200"]).toBe(sent);
    expect(new Set(seen).size).toBeGreaterThan(1);
    const before = traffic.stats().sent;
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(traffic.stats().sent).toBe(before);
    await traffic.stop();
  });
});
