import type { APIRequestContext } from "@playwright/test";
import { E2E_ADMIN } from "./session";

/** An API token for seeding data through the REST API, as a script would. */
export async function adminToken(request: APIRequestContext): Promise<string> {
  await request.post("/api/v1/auth/sign-in", { data: E2E_ADMIN });
  const response = await request.post("/api/v1/tokens", {
    data: { name: `e2e-${Date.now()}`, role: "admin", expiresInDays: 1 },
  });
  if (!response.ok()) throw new Error(`token: ${response.status()} ${await response.text()}`);
  return ((await response.json()) as { token: string }).token;
}

export async function api<T = unknown>(
  request: APIRequestContext,
  token: string,
  method: string,
  path: string,
  data?: unknown,
): Promise<T> {
  const response = await request.fetch(`/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${token}` },
    ...(data !== undefined ? { data } : {}),
  });
  if (!response.ok()) throw new Error(`${method} ${path}: ${response.status()} ${await response.text()}`);
  return (await response.json()) as T;
}
