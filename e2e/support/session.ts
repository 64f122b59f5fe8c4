import type { Page } from "@playwright/test";

export const E2E_ADMIN = { email: "admin@weir.test", password: "e2e-admin-password" };

/** Signs in through the API; the browser context keeps the session cookie. */
export async function signInAs(page: Page, user: { email: string; password: string } = E2E_ADMIN): Promise<void> {
  const response = await page.request.post("/api/v1/auth/sign-in", { data: user });
  if (!response.ok()) throw new Error(`sign-in as ${user.email} failed: ${response.status()} ${await response.text()}`);
}

/** Where the e2e run saves the screenshots the README shows. */
export function screenshotPath(name: string): string {
  return new URL(`../../docs/screenshots/${name}`, import.meta.url).pathname;
}
