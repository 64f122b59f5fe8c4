import { expect, test } from "@playwright/test";
import { countAnswers } from "../support/backends";
import { screenshotPath, signInAs } from "../support/session";
import { E2E_WORLD } from "../support/world";

test("[DASHBOARD][VIEW]: operator opens the dashboard and sees the demo pool live", async ({ page }) => {
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
  // The agent serves the demo listener: traffic through it shows on the overview within seconds.
  await expect(demo.getByTestId("pool-health")).toHaveText("3/3 healthy", { timeout: 15_000 });
  const traffic = (async () => {
    for (let i = 0; i < 6; i++) {
      expect(
        await countAnswers(
          E2E_WORLD.demoListenerPort,
          40,
          () => ({}),
          (a) => String(a.status),
        ),
      ).toEqual({ "200": 40 });
      await new Promise((r) => setTimeout(r, 400));
    }
  })();
  await expect(demo.locator("td.num").first()).not.toHaveText(/^(–|0\.0)$/, { timeout: 10_000 });
  await traffic;
  await expect(page.getByTestId("agents-online")).toHaveText(/^1 \/ 1$/);
  await page.screenshot({ path: screenshotPath("overview.png"), fullPage: true });

  // Dark mode: the toggle pins it (system → light → dark → system), and it survives a reload.
  const background = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  await page.emulateMedia({ colorScheme: "light" });
  expect(await background()).toBe("rgb(247, 248, 250)");
  await page.getByRole("button", { name: /^Theme: system/ }).click();
  await page.getByRole("button", { name: /^Theme: light/ }).click();
  expect(await background()).toBe("rgb(15, 18, 22)");
  await page.reload();
  await expect(page.getByRole("button", { name: /^Theme: dark/ })).toBeVisible();
  expect(await background()).toBe("rgb(15, 18, 22)");
  await page.getByRole("button", { name: /^Theme: dark/ }).click();
  expect(consoleErrors).toEqual([]);
});

test("[PLATFORM][HEALTH]: the health endpoint reports the database as ok", async ({ request }) => {
  const response = await request.get("/api/health");
  expect(response.status()).toBe(200);
  expect(await response.json()).toMatchObject({ status: "ok", database: { status: "ok" } });
});
