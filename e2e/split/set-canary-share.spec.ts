import { expect, test } from "@playwright/test";
import { adminToken, api } from "../support/api";
import { signInAs } from "../support/session";

test("[SPLIT][SLIDER]: operator moves the canary slider to 25% with the keyboard; the preview and the pool's split follow", async ({
  page,
  request,
}) => {
  const token = await adminToken(request);
  const name = `split-${Date.now() % 100000}`;
  const { item: pool } = await api<{ item: { id: string } }>(request, token, "POST", "/pools", { name });
  for (const [port, versionLabel] of [
    [9301, "v1"],
    [9302, "v1"],
    [9303, "v2"],
  ] as const) {
    await api(request, token, "POST", `/pools/${pool.id}/backends`, { host: "127.0.0.1", port, versionLabel });
  }
  await signInAs(page);
  await page.goto(`/pools/${name}`);

  const slider = page.getByRole("slider");
  await slider.focus();
  for (let i = 0; i < 25; i++) await slider.press("ArrowRight");
  await expect(page.getByRole("list", { name: "Resulting share per backend" })).toContainText(
    "127.0.0.1:9303 v2 25.0%",
  );
  await expect(page.getByRole("list", { name: "Resulting share per backend" })).toContainText(
    "127.0.0.1:9301 v1 37.5%",
  );
  await expect(page.getByText(/Saved as config version \d+/)).toBeVisible();

  const saved = await api<{ trafficSplit: { canaryVersion: string; stableVersion: string; canaryPercent: number } }>(
    request,
    token,
    "GET",
    `/pools/${pool.id}`,
  );
  expect(saved.trafficSplit).toMatchObject({ stableVersion: "v1", canaryVersion: "v2", canaryPercent: 25 });
  const versions = await api<{ items: Array<{ summary: string }> }>(request, token, "GET", "/versions?limit=5");
  expect(versions.items.filter((version) => version.summary === `${name}: trafficSplit changed`)).toHaveLength(1);
});
