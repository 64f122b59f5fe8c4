import type { APIRequestContext } from "@playwright/test";
import { expect } from "@playwright/test";
import { api } from "./api";

/** Waits until the e2e agent reports running config version `version` (or a later one). */
export async function agentRuns(request: APIRequestContext, token: string, version: number): Promise<void> {
  await expect
    .poll(
      async () => {
        const agents = await api<Array<{ name: string; appliedConfigVersion: number | null }>>(
          request,
          token,
          "GET",
          "/agents",
        );
        return agents.find((a) => a.name === "e2e")?.appliedConfigVersion ?? -1;
      },
      { message: `the agent runs config version ${version}`, timeout: 15_000 },
    )
    .toBeGreaterThanOrEqual(version);
}

/** The newest config version number. */
export async function latestVersion(request: APIRequestContext, token: string): Promise<number> {
  const page = await api<{ items: Array<{ number: number }> }>(request, token, "GET", "/versions?limit=1");
  return page.items[0]?.number ?? 0;
}
