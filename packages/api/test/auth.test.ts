import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LoginLimiter } from "../src/auth/login-limiter";
import { http, PASSWORD, startTestApi, type TestApi } from "./support";

describe("sign-in, sessions and sign-out over HTTP", () => {
  let api: TestApi;
  let clock = 1_000_000;
  beforeAll(async () => {
    api = await startTestApi({
      loginLimiter: new LoginLimiter({ maxFailures: 5, windowMs: 60_000, now: () => clock }),
    });
  });
  afterAll(async () => {
    await api.close();
  });

  async function signIn(email: string, password: string) {
    return http(api, "POST", "/api/v1/auth/sign-in", { body: { email, password } });
  }

  it("signs in with the right password and sets an httpOnly, SameSite session cookie", async () => {
    const response = await signIn("Operator@Weir.test", PASSWORD);
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ user: { email: "operator@weir.test", role: "operator" }, via: "session" });
    const cookie = response.headers.get("set-cookie") ?? "";
    expect(cookie).toMatch(/^weir_session=weir_ses_[\w-]{43}; /);
    expect(cookie).toContain("HttpOnly");
    expect(cookie).toContain("SameSite=Lax");

    const session = cookie.split(";")[0] ?? "";
    const me = await http(api, "GET", "/api/v1/auth/me", { cookie: session });
    expect(me.body).toMatchObject({ user: { email: "operator@weir.test" }, via: "session" });
    // Only the hash of the session id is stored.
    const stored = await api.db.session.findMany({ where: { userId: api.users.operator.id } });
    expect(stored.some((row) => session.includes(row.tokenHash))).toBe(false);
  });

  it("refuses a wrong password with a coded 401 and no cookie", async () => {
    const response = await signIn("viewer@weir.test", "not the password");
    expect(response.status).toBe(401);
    expect(response.body).toMatchObject({
      message: "Wrong email or password.",
      code: "WEIR_E_INVALID_CREDENTIALS",
    });
    expect(response.headers.get("set-cookie")).toBeNull();
    const unknown = await signIn("nobody@weir.test", "whatever");
    expect(unknown.body.message).toBe("Wrong email or password.");
  });

  it("rate-limits repeated failures with 429 and Retry-After, and lets the user in again after the window", async () => {
    for (let attempt = 0; attempt < 5; attempt++) await signIn("admin@weir.test", "guess");
    const limited = await signIn("admin@weir.test", PASSWORD);
    expect(limited.status).toBe(429);
    expect(limited.body.code).toBe("WEIR_E_RATE_LIMITED");
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
    clock += 61_000;
    expect((await signIn("admin@weir.test", PASSWORD)).status).toBe(200);
  });

  it("sign-out ends the session", async () => {
    const session = ((await signIn("viewer@weir.test", PASSWORD)).headers.get("set-cookie") ?? "").split(";")[0] ?? "";
    expect((await http(api, "GET", "/api/v1/auth/me", { cookie: session })).status).toBe(200);
    const out = await http(api, "POST", "/api/v1/auth/sign-out", { cookie: session, body: {} });
    expect(out.status).toBe(200);
    expect(out.headers.get("set-cookie")).toContain("Max-Age=0");
    const after = await http(api, "GET", "/api/v1/auth/me", { cookie: session });
    expect(after.status).toBe(401);
    expect(after.body.message).toBe("Your session has expired; sign in again.");
  });

  it("refuses a cookie-authenticated change sent from another site", async () => {
    const session = ((await signIn("admin@weir.test", PASSWORD)).headers.get("set-cookie") ?? "").split(";")[0] ?? "";
    const forged = await http(api, "POST", "/api/v1/tokens", {
      cookie: session,
      body: { name: "csrf", role: "viewer" },
      headers: { origin: "https://evil.example" },
    });
    expect(forged.status).toBe(403);
    expect(forged.body.code).toBe("WEIR_E_CROSS_ORIGIN");
    expect(await api.db.apiToken.count({ where: { name: "csrf" } })).toBe(0);
  });

  it("a disabled user cannot sign in and loses their sessions", async () => {
    const admin = api.as("admin");
    const created = await admin.users.create({
      email: "temp@weir.test",
      name: "Temp",
      role: "operator",
      password: "temporary-password",
    });
    const session =
      ((await signIn("temp@weir.test", "temporary-password")).headers.get("set-cookie") ?? "").split(";")[0] ?? "";
    await admin.users.update({ id: created.id, version: created.version, disabled: true });
    expect((await http(api, "GET", "/api/v1/auth/me", { cookie: session })).status).toBe(401);
    expect((await signIn("temp@weir.test", "temporary-password")).status).toBe(401);
  });
});
