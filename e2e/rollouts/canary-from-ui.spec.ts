import { expect, test } from "@playwright/test";
import { agentRuns, latestVersion } from "../support/agent";
import { adminToken, api } from "../support/api";
import { freePort, get, namedBackend } from "../support/backends";
import { screenshotPath, signInAs } from "../support/session";

test("[ROLLOUTS][CANARY]: operator starts a canary from the UI, watches it progress, and promotes it", async ({
  page,
  request,
}) => {
  const token = await adminToken(request);
  const name = `canary-${Date.now() % 100000}`;
  const port = await freePort();
  const backends = await Promise.all(["a", "b", "c"].map((n) => namedBackend(n)));
  const { item: pool } = await api<{ item: { id: string } }>(request, token, "POST", "/pools", {
    name,
    healthCheck: { type: "tcp", intervalMs: 1000 },
    // Users are told apart by a header here (they all come from 127.0.0.1).
    trafficSplit: {
      stableVersion: "v1",
      canaryVersion: "v2",
      canaryPercent: 0,
      stickyOn: "header",
      stickyName: "x-user",
    },
  });
  for (const [b, versionLabel] of [
    [backends[0], "v1"],
    [backends[1], "v1"],
    [backends[2], "v2"],
  ] as const)
    await api(request, token, "POST", `/pools/${pool.id}/backends`, { host: "127.0.0.1", port: b?.port, versionLabel });
  await api(request, token, "POST", "/listeners", { name: `${name}-http`, port, defaultPoolId: pool.id });
  await agentRuns(request, token, await latestVersion(request, token));

  // Users keep coming during the whole rollout: 50 requests a second, each a different user.
  let user = 0;
  const failures: number[] = [];
  const traffic = setInterval(() => {
    for (let i = 0; i < 5; i++)
      void get(port, { "x-user": `u-${user++ % 400}` }).then((a) => {
        if (a.status !== 200) failures.push(a.status);
      });
  }, 100);

  try {
    await signInAs(page);
    await page.goto(`/pools/${name}`);
    await page.getByRole("button", { name: "New rollout" }).click();
    const form = page.getByRole("form", { name: "New rollout" });
    await form.getByLabel("Weights (%)").fill("20, 60");
    await form.getByLabel("Pause after each (s, 0 = until promoted)").fill("0");
    await form.getByLabel("Minimum requests before judging").fill("10");
    await form.getByLabel("Analysis every (s)").fill("1");
    await form.getByRole("button", { name: "Create and start" }).click();
    await expect(page).toHaveURL(/\/rollouts\/\w+$/);

    // 20% and waiting to be promoted; the live chart shows v2's share.
    await expect(page.getByTestId("rollout-weight")).toHaveText("20%", { timeout: 15_000 });
    await expect(page.getByTestId("rollout-status")).toHaveText("paused", { timeout: 15_000 });
    const share = page.getByRole("figure", { name: "Share of requests to v2, %" });
    await expect
      .poll(async () => Number((await share.getAttribute("data-latest")) || 0), { timeout: 15_000 })
      .toBeGreaterThan(8);
    await page.screenshot({ path: screenshotPath("rollout.png"), fullPage: true });

    await page.getByRole("button", { name: "Promote", exact: true }).click();
    await expect(page.getByTestId("rollout-weight")).toHaveText(/60%|100%/, { timeout: 15_000 });
    await expect(page.getByTestId("rollout-status")).toHaveText("succeeded", { timeout: 45_000 });
    await expect(
      page.getByRole("list", { name: "Steps" }).getByText("Complete: 100% to the new version"),
    ).toBeVisible();
    await expect
      .poll(async () => Number((await share.getAttribute("data-latest")) || 0), { timeout: 15_000 })
      .toBeGreaterThan(90);
    expect(failures).toEqual([]);
  } finally {
    clearInterval(traffic);
    for (const b of backends) await b.close();
  }
});
