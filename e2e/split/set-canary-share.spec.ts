import { expect, test } from "@playwright/test";
import { agentRuns } from "../support/agent";
import { adminToken, api } from "../support/api";
import { countAnswers, freePort, namedBackend } from "../support/backends";
import { screenshotPath, signInAs } from "../support/session";

test("[SPLIT][SLIDER]: operator moves the canary slider to 25% on v2; the measured share follows and the chart shows it", async ({
  page,
  request,
}) => {
  const token = await adminToken(request);
  const name = `split-${Date.now() % 100000}`;
  const port = await freePort();
  const a = await namedBackend("a");
  const b = await namedBackend("b");
  const c = await namedBackend("c");
  const { item: pool } = await api<{ item: { id: string; version: number } }>(request, token, "POST", "/pools", {
    name,
    healthCheck: { type: "tcp", intervalMs: 1000 },
    // Clients are users, told apart by a header: each stays on its version while the share grows.
    trafficSplit: {
      stableVersion: "v1",
      canaryVersion: "v2",
      canaryPercent: 0,
      stickyOn: "header",
      stickyName: "x-user",
    },
  });
  for (const [backend, versionLabel] of [
    [a, "v1"],
    [b, "v1"],
    [c, "v2"],
  ] as const) {
    await api(request, token, "POST", `/pools/${pool.id}/backends`, {
      host: "127.0.0.1",
      port: backend.port,
      versionLabel,
    });
  }
  await api(request, token, "POST", "/listeners", { name: `${name}-http`, port, defaultPoolId: pool.id });
  const consoleErrors: string[] = [];
  page.on("console", (message) => {
    if (message.type() === "error") consoleErrors.push(message.text());
  });
  await signInAs(page);
  await page.goto(`/pools/${name}`);

  const slider = page.getByRole("slider");
  await slider.focus();
  await slider.press("Home");
  for (let i = 0; i < 25; i++) await slider.press("ArrowRight");
  const preview = page.getByRole("list", { name: "Resulting share per backend" });
  await expect(preview).toContainText(`127.0.0.1:${c.port} v2 25.0%`);
  await expect(preview).toContainText(`127.0.0.1:${a.port} v1 37.5%`);
  const saved = page.getByText(/Saved as config version \d+/);
  await expect(saved).toBeVisible();
  const version = Number(/version (\d+)/.exec((await saved.textContent()) ?? "")?.[1]);
  const stored = await api<{ trafficSplit: { canaryPercent: number; stickyOn: string } }>(
    request,
    token,
    "GET",
    `/pools/${pool.id}`,
  );
  expect(stored.trafficSplit).toMatchObject({ canaryPercent: 25, stickyOn: "header" });
  await agentRuns(request, token, version);

  // 2,000 users through the agent: a quarter of them reach v2.
  const counts = await countAnswers(port, 2000, (i) => ({ "x-user": `user-${i}` }));
  const share = (100 * (counts.c ?? 0)) / 2000;
  expect(share, JSON.stringify(counts)).toBeGreaterThanOrEqual(22);
  expect(share, JSON.stringify(counts)).toBeLessThanOrEqual(28);

  // The live chart of shares by version shows it within seconds.
  const chart = page.getByRole("figure", { name: "Share of requests by version, %" });
  await expect
    .poll(async () => JSON.parse((await chart.getAttribute("data-latest")) ?? "{}").v2 ?? 0, { timeout: 15_000 })
    .toBeGreaterThan(15);
  const latest = JSON.parse((await chart.getAttribute("data-latest")) ?? "{}");
  expect(latest.v2).toBeLessThan(35);
  await page.screenshot({ path: screenshotPath("pool.png"), fullPage: true });
  // At tablet width the page reflows instead of scrolling sideways.
  await page.setViewportSize({ width: 820, height: 1180 });
  await expect
    .poll(() => page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth))
    .toBeLessThanOrEqual(0);
  expect(consoleErrors).toEqual([]);
  for (const s of [a, b, c]) await s.close();
});
