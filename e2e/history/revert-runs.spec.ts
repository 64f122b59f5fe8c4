import { expect, test } from "@playwright/test";
import { agentRuns } from "../support/agent";
import { adminToken, api } from "../support/api";
import { countAnswers, freePort, namedBackend } from "../support/backends";
import { screenshotPath, signInAs } from "../support/session";

test("[HISTORY][REVERT]: operator reverts to an earlier version; the agent runs it", async ({ page, request }) => {
  const token = await adminToken(request);
  const name = `revert-${Date.now() % 100000}`;
  const port = await freePort();
  const left = await namedBackend("left");
  const right = await namedBackend("right");
  const { item: pool } = await api<{ item: { id: string } }>(request, token, "POST", "/pools", {
    name,
    algorithm: "round_robin",
    healthCheck: { type: "none" },
  });
  await api(request, token, "POST", `/pools/${pool.id}/backends`, { host: "127.0.0.1", port: left.port });
  const added = await api<{ item: { id: string; version: number } }>(
    request,
    token,
    "POST",
    `/pools/${pool.id}/backends`,
    {
      host: "127.0.0.1",
      port: right.port,
    },
  );
  await api(request, token, "POST", "/listeners", { name: `${name}-http`, port, defaultPoolId: pool.id });
  const disabled = await api<{ configVersion: number }>(request, token, "POST", `/backends/${added.item.id}/disable`, {
    version: added.item.version,
  });
  await agentRuns(request, token, disabled.configVersion);
  expect(await countAnswers(port, 10)).toEqual({ left: 10 });

  await signInAs(page);
  await page.goto("/history");
  const before = page.locator("tr", { hasText: `${name}-http` }).first();
  page.once("dialog", (dialog) => dialog.accept());
  await before.getByRole("button", { name: "Revert to this" }).click();
  await expect(page.getByRole("status")).toContainText("Reverted to version");
  const reverted = Number(/now version (\d+)/.exec((await page.getByRole("status").textContent()) ?? "")?.[1]);
  expect(reverted).toBeGreaterThan(disabled.configVersion);
  await agentRuns(request, token, reverted);
  expect(await countAnswers(port, 10)).toEqual({ left: 5, right: 5 });

  await page.goto("/agents");
  const agent = page.getByRole("row", { name: /e2e/ });
  await expect(agent).toContainText(String(reverted));
  await page.screenshot({ path: screenshotPath("agents.png"), fullPage: true });
  await left.close();
  await right.close();
});
