import { expect, test } from "@playwright/test";
import { adminToken, api } from "../support/api";
import { screenshotPath, signInAs } from "../support/session";

test("[POOLS][EDIT]: operator edits a backend's weight inline and drains it; History shows it and reverts it", async ({
  page,
  request,
}) => {
  const token = await adminToken(request);
  const name = `edit-${Date.now() % 100000}`;
  const { item: pool } = await api<{ item: { id: string } }>(request, token, "POST", "/pools", { name });
  await api(request, token, "POST", `/pools/${pool.id}/backends`, { host: "10.20.0.1", port: 8080, weight: 100 });
  await signInAs(page);

  await page.goto(`/pools/${name}`);
  const row = page.getByTestId("backend-10.20.0.1:8080");
  const weight = row.getByLabel("Weight of 10.20.0.1:8080");
  await weight.fill("40");
  await weight.press("Enter");
  await expect(page.getByRole("status")).toContainText("Saved as config version");
  await row.getByRole("button", { name: "Drain" }).click();
  await expect(row.getByText("draining")).toBeVisible();

  await page.goto("/history");
  await expect(page.getByText(`${name}: 10.20.0.1:8080 active → draining`)).toBeVisible();
  const weightChange = page.locator("tr", { hasText: `${name}: 10.20.0.1:8080 weight 100 → 40` });
  await weightChange.getByRole("button", { name: /^#/ }).click();
  await expect(page.getByText(`pools[${name}].backends[10.20.0.1:8080].weight`)).toBeVisible();
  await page.screenshot({ path: screenshotPath("history.png"), fullPage: true });

  // Revert to the version just before the drain: weight 40, active.
  page.once("dialog", (dialog) => dialog.accept());
  await weightChange.getByRole("button", { name: "Revert to this" }).click();
  await expect(page.getByRole("status")).toContainText("Reverted to version");
  await page.goto(`/pools/${name}`);
  await expect(page.getByTestId("backend-10.20.0.1:8080").getByText("active")).toBeVisible();
  await expect(page.getByLabel("Weight of 10.20.0.1:8080")).toHaveValue("40");
});

test("[AUTH][VIEWER]: a viewer sees pools but no edit controls, and the API refuses changes", async ({
  browser,
  request,
}) => {
  const token = await adminToken(request);
  const email = `viewer-${Date.now()}@weir.test`;
  await api(request, token, "POST", "/users", { email, name: "Viewer", role: "viewer", password: "viewer-password-1" });
  const context = await browser.newContext();
  const page = await context.newPage();
  await signInAs(page, { email, password: "viewer-password-1" });

  await page.goto("/pools/demo");
  await expect(page.getByRole("table", { name: "Backends" })).toBeVisible();
  await expect(page.getByRole("button", { name: "Drain" })).toHaveCount(0);
  await expect(page.getByRole("form", { name: "Add backend" })).toHaveCount(0);
  await expect(page.getByRole("spinbutton")).toHaveCount(0);

  const refused = await page.request.post("/api/v1/pools", { data: { name: "viewer-made" } });
  expect(refused.status()).toBe(403);
  await context.close();
});
