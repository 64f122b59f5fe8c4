import { expect, test } from "@playwright/test";
import { agentRuns, latestVersion } from "../support/agent";
import { adminToken, api } from "../support/api";
import { BackendProcess, freePort, get } from "../support/backends";
import { screenshotPath, signInAs } from "../support/session";

test("[SCALING][RULE]: operator creates a process scaling rule in the UI; under load the pool scales out and the rule page shows why", async ({
  page,
  request,
}) => {
  const token = await adminToken(request);
  const name = `scale-${Date.now() % 100000}`;
  const seed = new BackendProcess(await freePort(), "v1");
  await seed.start();
  const port = await freePort();
  const { item: pool } = await api<{ item: { id: string } }>(request, token, "POST", "/pools", {
    name,
    healthCheck: { type: "tcp", intervalMs: 1000 },
  });
  await api(request, token, "POST", `/pools/${pool.id}/backends`, { host: "127.0.0.1", port: seed.port });
  await api(request, token, "POST", "/listeners", { name: `${name}-http`, port, defaultPoolId: pool.id });
  await agentRuns(request, token, await latestVersion(request, token));
  const base = 19400 + (Date.now() % 50) * 10;

  // 30 requests a second, for as long as the spec runs.
  const failures: number[] = [];
  const traffic = setInterval(() => {
    for (let i = 0; i < 3; i++)
      void get(port).then((a) => {
        if (a.status !== 200) failures.push(a.status);
      });
  }, 100);
  try {
    await signInAs(page);
    await page.goto(`/pools/${name}`);
    await page.getByRole("button", { name: "New scaling rule" }).click();
    const form = page.getByRole("form", { name: "New scaling rule" });
    await form.getByLabel("Target").fill("8");
    await form.getByLabel("Min backends").fill("1");
    await form.getByLabel("Max backends").fill("3");
    await form.getByLabel("Scale-down window (s)").fill("600");
    await form.getByLabel("Agent", { exact: true }).fill("e2e");
    await form.getByLabel("Ports").fill(`${base}-${base + 9}`);
    await form.getByRole("button", { name: "Create rule" }).click();
    await expect(page).toHaveURL(/\/scaling\/\w+$/);

    // 30 req/s at 8 per backend wants 4; max is 3.
    await expect(page.getByTestId("rule-current")).toHaveText("3", { timeout: 45_000 });
    await expect(page.getByTestId("rule-desired")).toHaveText("3");
    await expect(page.getByRole("table", { name: "Decisions" })).toContainText("scale up");
    await page.waitForTimeout(2000);
    await page.screenshot({ path: screenshotPath("scaling.png"), fullPage: true });
    const shown = await api<{ backends: Array<{ origin: string }> }>(request, token, "GET", `/pools/${pool.id}`);
    expect(shown.backends.filter((b) => b.origin === "autoscaler")).toHaveLength(2);
    expect(failures).toEqual([]);

    await page.getByRole("button", { name: "Disable" }).click();
    await expect(page.getByTestId("rule-enabled")).toHaveText("no");
  } finally {
    clearInterval(traffic);
    await seed.stop();
  }
});
