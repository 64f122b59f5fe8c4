import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { createDemoBackend } from "../src/backend-server";

const servers: Array<ReturnType<typeof createDemoBackend>> = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

async function start(options: Parameters<typeof createDemoBackend>[0]): Promise<string> {
  const server = createDemoBackend(options);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe("demo backend", () => {
  it("answers with its version and a health endpoint", async () => {
    const url = await start({ port: 0, version: "v2" });
    const response = await fetch(`${url}/hello`);
    expect(response.status).toBe(200);
    expect(response.headers.get("x-backend-version")).toBe("v2");
    expect(await response.json()).toMatchObject({ version: "v2", path: "/hello", status: 200 });
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
  });

  it("fails the configured share of requests", async () => {
    let draw = 0;
    // Deterministic draws 0.0, 0.1, ... 0.9: with errorRate 0.3 exactly three of ten fail.
    const url = await start({ port: 0, version: "v1", errorRate: 0.3, rng: () => (draw++ % 10) / 10 });
    const statuses = [];
    for (let i = 0; i < 10; i++) statuses.push((await fetch(url)).status);
    expect(statuses.filter((status) => status === 500)).toHaveLength(3);
  });
});
