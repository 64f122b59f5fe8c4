import { expect, test } from "@playwright/test";
import { screenshotPath, signInAs } from "../support/session";

test("[SETTINGS][TOKENS]: admin creates an enrollment token and sees the weir-agent command once; an API token works for scripts", async ({
  page,
}) => {
  await signInAs(page);
  await page.goto("/settings");

  await page.getByRole("form", { name: "Create enrollment token" }).getByLabel("Name").fill("edge-agents");
  await page.getByRole("button", { name: "Create enrollment token" }).click();
  const command = page.getByRole("status").filter({ hasText: "weir-agent --control-plane" });
  await expect(command).toContainText(/--token weir_agt_[\w-]{43} --name/);
  await expect(page.getByRole("table", { name: "Enrollment tokens" })).toContainText("edge-agents");

  await page.getByRole("form", { name: "Create API token" }).getByLabel("Name").fill("deploy-bot");
  await page.getByRole("form", { name: "Create API token" }).getByLabel("Role").selectOption("operator");
  await page.getByRole("button", { name: "Create token" }).click();
  const secret = await page.getByRole("status").filter({ hasText: "New API token" }).locator("code").textContent();
  expect(secret).toMatch(/^weir_pat_/);
  await page.screenshot({ path: screenshotPath("settings.png"), fullPage: true });

  const response = await page.request.get("/api/v1/pools", { headers: { authorization: `Bearer ${secret}` } });
  expect(response.status()).toBe(200);
  // Reload: the secret is gone for good, only its prefix remains.
  await page.reload();
  await expect(page.getByText(secret ?? "missing")).toHaveCount(0);
  await expect(page.getByRole("table", { name: "API tokens" })).toContainText(`${secret?.slice(0, 13)}…`);
});

test("[SETTINGS][TOKENS]: a token created while the list is still loading shows in it", async ({ page }) => {
  await signInAs(page);
  // Hold the page's first read of the list until the page has handled the creation (the command
  // shows, and the refresh has been asked for in the same step): that read saw the database before
  // the change, and its answer arrives after it.
  let release!: () => void;
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  let held = false;
  await page.route(/\/api\/trpc\/[^?]*enrollmentTokens\.list/, async (route) => {
    if (held) return route.continue();
    held = true;
    const before = await route.fetch();
    await released;
    await route.fulfill({ response: before });
  });
  await page.goto("/settings");
  await page.getByRole("form", { name: "Create enrollment token" }).getByLabel("Name").fill("while-loading");
  await page.getByRole("button", { name: "Create enrollment token" }).click();
  await expect(page.getByRole("status").filter({ hasText: "weir-agent --control-plane" })).toBeVisible();
  expect(held).toBe(true);
  release();
  await expect(page.getByRole("table", { name: "Enrollment tokens" })).toContainText("while-loading");
});
