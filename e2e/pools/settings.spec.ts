import { expect, test } from "@playwright/test";
import { adminToken, api } from "../support/api";
import { signInAs } from "../support/session";

test("[POOLS][SETTINGS]: operator edits the health check; field errors show before submit; a concurrent change is explained", async ({
  page,
  request,
}) => {
  const token = await adminToken(request);
  const name = `settings-${Date.now() % 100000}`;
  const { item: pool } = await api<{ item: { id: string; version: number } }>(request, token, "POST", "/pools", {
    name,
  });
  await signInAs(page);
  await page.goto(`/pools/${name}`);
  await page.getByRole("button", { name: "Settings" }).click();
  const form = page.getByRole("form", { name: "Pool settings" });

  // The shared schema speaks before anything is sent.
  const interval = form.getByLabel("Interval (ms)");
  await interval.fill("10");
  await expect(form.getByText("must be at least 50 ms")).toBeVisible();
  await expect(form.getByRole("button", { name: "Save settings" })).toBeDisabled();
  await interval.fill("1500");
  await form.getByLabel("Path").fill("/ready");
  await expect(form.getByRole("button", { name: "Save settings" })).toBeEnabled();

  // Someone else changes the pool meanwhile: the form keeps the edits and says what moved.
  await api(request, token, "PATCH", `/pools/${pool.id}`, {
    version: pool.version,
    timeouts: { connectMs: 750 },
  });
  await expect(form.getByRole("alert").filter({ hasText: "Someone else changed this pool" })).toBeVisible();
  await expect(form.getByTestId("setting-to.connectMs-now")).toHaveText("now: 750");
  await expect(interval).toHaveValue("1500");
  await form.getByRole("button", { name: "Save settings" }).click();
  await expect(page.getByRole("alert").filter({ hasText: "changed by someone else" })).toBeVisible();

  await form.getByRole("button", { name: "Load current values" }).click();
  await expect(form.getByLabel("Connect (ms)")).toHaveValue("750");
  await interval.fill("1500");
  await form.getByRole("button", { name: "Save settings" }).click();
  await expect(page.getByText(/Saved as config version \d+/)).toBeVisible();
  const saved = await api<{ healthCheck: { intervalMs: number }; timeouts: { connectMs: number } }>(
    request,
    token,
    "GET",
    `/pools/${pool.id}`,
  );
  expect(saved.healthCheck.intervalMs).toBe(1500);
  expect(saved.timeouts.connectMs).toBe(750);
  await expect(form.getByRole("alert").filter({ hasText: "Someone else changed this pool" })).toHaveCount(0);
});
