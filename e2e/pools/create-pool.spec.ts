import { expect, test } from "@playwright/test";
import { agentRuns, latestVersion } from "../support/agent";
import { adminToken } from "../support/api";
import { countAnswers, freePort, namedBackend } from "../support/backends";
import { signInAs } from "../support/session";

test("[POOLS][CREATE]: operator creates a pool with three backends; the agent applies it and serves them", async ({
  page,
  request,
}) => {
  const backends = await Promise.all(["one", "two", "three"].map((n) => namedBackend(n)));
  const port = await freePort();
  const name = `shop-${Date.now() % 100000}`;
  await signInAs(page);
  await page.goto("/");
  await page.getByRole("button", { name: "New pool" }).click();
  const form = page.getByRole("form", { name: "New pool" });
  await form.getByLabel("Name").fill(name);
  await form.getByLabel("Algorithm").selectOption("round_robin");
  await form.getByLabel("Listener port (optional)").fill(String(port));
  await form.getByRole("button", { name: "Create pool" }).click();
  await expect(page).toHaveURL(new RegExp(`/pools/${name}$`));

  for (const b of backends) {
    const add = page.getByRole("form", { name: "Add backend" });
    await add.getByLabel("Address").fill(`127.0.0.1:${b.port}`);
    await add.getByRole("button", { name: "Add backend" }).click();
    await expect(page.getByTestId(`backend-127.0.0.1:${b.port}`)).toBeVisible();
  }

  const token = await adminToken(request);
  await agentRuns(request, token, await latestVersion(request, token));
  expect(await countAnswers(port, 30)).toEqual({ one: 10, two: 10, three: 10 });
  // The agent's health checks pass, and the pool page says so.
  for (const b of backends)
    await expect(page.getByTestId(`backend-127.0.0.1:${b.port}`).getByTestId("health")).toHaveText("healthy", {
      timeout: 15_000,
    });
  for (const b of backends) await b.close();
});
