import { expect, test } from "@playwright/test";
import { agentRuns, latestVersion } from "../support/agent";
import { adminToken, api } from "../support/api";
import { BackendProcess, countAnswers, freePort } from "../support/backends";
import { signInAs } from "../support/session";

test("[HEALTH][DOWN]: a backend process stops; the pool page shows it unhealthy with the reason, the timeline records it, and it recovers", async ({
  page,
  request,
}) => {
  const token = await adminToken(request);
  const name = `health-${Date.now() % 100000}`;
  const steady = new BackendProcess(await freePort(), "v1");
  const flaky = new BackendProcess(await freePort(), "v1");
  await steady.start();
  await flaky.start();
  const port = await freePort();
  const { item: pool } = await api<{ item: { id: string } }>(request, token, "POST", "/pools", {
    name,
    healthCheck: { type: "http", path: "/healthz", intervalMs: 1000, unhealthyThreshold: 2, healthyThreshold: 2 },
  });
  for (const b of [steady, flaky])
    await api(request, token, "POST", `/pools/${pool.id}/backends`, { host: "127.0.0.1", port: b.port });
  await api(request, token, "POST", "/listeners", { name: `${name}-http`, port, defaultPoolId: pool.id });
  await agentRuns(request, token, await latestVersion(request, token));
  await signInAs(page);
  await page.goto(`/pools/${name}`);
  const row = page.getByTestId(`backend-127.0.0.1:${flaky.port}`);
  await expect(row.getByTestId("health")).toHaveText("healthy", { timeout: 15_000 });

  await flaky.stop();
  await expect(row.getByTestId("health")).toContainText("unhealthy", { timeout: 10_000 });
  await expect(row.getByTestId("health")).toContainText(/failed 2 checks/);
  // Requests keep succeeding: retries and the health check keep them off the stopped backend.
  const counts = await countAnswers(
    port,
    40,
    () => ({}),
    (a) => String(a.status),
  );
  expect(counts).toEqual({ "200": 40 });
  const changes = page.getByRole("list", { name: "Health changes" });
  await expect(changes).toContainText(`127.0.0.1:${flaky.port} unhealthy:`, { timeout: 10_000 });

  await flaky.start();
  await expect(row.getByTestId("health")).toHaveText("healthy", { timeout: 15_000 });
  await expect(changes).toContainText(`127.0.0.1:${flaky.port} healthy:`, { timeout: 10_000 });
  await steady.stop();
  await flaky.stop();
});
