import type { APIRequestContext } from "@playwright/test";
import { expect } from "@playwright/test";
import { api } from "./api";

type AgentRow = { name: string; appliedConfigVersion: number | null; lastError: string | null };

/** Waits until the e2e agent reports running config version `version` (or a later one). */
export async function agentRuns(request: APIRequestContext, token: string, version: number): Promise<void> {
  const e2eAgent = async () => (await api<AgentRow[]>(request, token, "GET", "/agents")).find((a) => a.name === "e2e");
  try {
    await expect
      .poll(async () => (await e2eAgent())?.appliedConfigVersion ?? -1, {
        message: `the agent runs config version ${version}`,
        timeout: 15_000,
      })
      .toBeGreaterThanOrEqual(version);
  } catch (error) {
    // Say what the agent reported, so a failure on CI explains itself.
    const agent = await e2eAgent().catch(() => undefined);
    throw new Error(`${(error as Error).message}\nthe agent reports: ${JSON.stringify(agent ?? "no agent named e2e")}`);
  }
}

/** The newest config version number. */
export async function latestVersion(request: APIRequestContext, token: string): Promise<number> {
  const page = await api<{ items: Array<{ number: number }> }>(request, token, "GET", "/versions?limit=1");
  return page.items[0]?.number ?? 0;
}
