import { expect, test } from "@playwright/test";
import { screenshotPath, signInAs } from "../support/session";

test("[DASHBOARD][VIEW]: operator opens the dashboard and sees the demo pool", async ({ page }) => {
  const consoleErrors: string[] = [];
  page.on("console", (message) => {
    if (message.type() === "error") consoleErrors.push(message.text());
  });
  await signInAs(page);

  await page.goto("/");
  await expect(page.getByRole("heading", { name: "Pools" })).toBeVisible();
  const demo = page.getByTestId("pool-demo");
  await expect(demo).toBeVisible();
  await expect(demo).toContainText("3 active / 3");
  await expect(demo).toContainText("v1, v2");
  await page.screenshot({ path: screenshotPath("overview.png"), fullPage: true });
  expect(consoleErrors).toEqual([]);
});

test("[PLATFORM][HEALTH]: the health endpoint reports the database as ok", async ({ request }) => {
  const response = await request.get("/api/health");
  expect(response.status()).toBe(200);
  expect(await response.json()).toMatchObject({ status: "ok", database: { status: "ok" } });
});
