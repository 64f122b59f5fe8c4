import { expect, test } from "@playwright/test";
import { adminToken, api } from "../support/api";
import { signInAs } from "../support/session";

test("[LIVE][TWO-SESSIONS]: a weight changed in one browser shows in another without a reload", async ({
  browser,
  request,
}) => {
  const token = await adminToken(request);
  const name = `live-${Date.now() % 100000}`;
  const { item: pool } = await api<{ item: { id: string } }>(request, token, "POST", "/pools", { name });
  await api(request, token, "POST", `/pools/${pool.id}/backends`, { host: "10.30.0.1", port: 8080, weight: 100 });
  const first = await browser.newContext();
  const second = await browser.newContext();
  const alice = await first.newPage();
  const bob = await second.newPage();
  await signInAs(alice);
  await signInAs(bob);
  await alice.goto(`/pools/${name}`);
  await bob.goto(`/pools/${name}`);
  await expect(bob.getByLabel("Weight of 10.30.0.1:8080")).toHaveValue("100");

  const weight = alice.getByLabel("Weight of 10.30.0.1:8080");
  await weight.fill("70");
  await weight.press("Enter");
  await expect(alice.getByRole("status")).toContainText("Saved as config version");
  await expect(bob.getByLabel("Weight of 10.30.0.1:8080")).toHaveValue("70", { timeout: 5_000 });
  await first.close();
  await second.close();
});
