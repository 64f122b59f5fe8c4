import { randomUUID } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createHTTPHandler } from "@trpc/server/adapters/standalone";
import { createDb, type Db, type Role } from "@weir/db";
import { startTestPostgres, type TestPostgres } from "@weir/db/testing";
import type { Actor } from "../src/auth/actor";
import { LoginLimiter } from "../src/auth/login-limiter";
import type { Context } from "../src/context";
import { createHttpContextFactory } from "../src/context";
import { hashPassword } from "../src/domain/users/password";
import { createRestHandler, REST_PREFIX } from "../src/http/rest";
import { appRouter } from "../src/router";
import { createCallerFactory } from "../src/trpc";

export const PASSWORD = "correct horse battery staple";

export interface TestApi {
  db: Db;
  postgres: TestPostgres;
  users: Record<Role, { id: string; email: string }>;
  /** An in-process caller acting as a user of `role`, or anonymous. */
  as(role: Role | "anonymous"): Caller;
  actorFor(role: Role): Actor;
  /** The real HTTP server: /api/trpc and /api/v1, as the control plane mounts them. */
  baseUrl: string;
  close(): Promise<void>;
}

const createCaller = createCallerFactory(appRouter);
export type Caller = ReturnType<typeof createCaller>;

export async function startTestApi(
  options: { loginLimiter?: LoginLimiter; demoTrafficControl?: string } = {},
): Promise<TestApi> {
  const postgres = await startTestPostgres({ migrate: true });
  const db = createDb({ url: postgres.url });
  const passwordHash = await hashPassword(PASSWORD);
  const users = {} as Record<Role, { id: string; email: string }>;
  for (const role of ["admin", "operator", "viewer"] as const) {
    const user = await db.user.create({ data: { email: `${role}@weir.test`, name: role, role, passwordHash } });
    users[role] = { id: user.id, email: user.email };
  }
  const loginLimiter = options.loginLimiter ?? new LoginLimiter();
  const actorFor = (role: Role): Actor => ({
    type: "user",
    userId: users[role].id,
    email: users[role].email,
    name: role,
    role,
    sessionId: "test",
  });
  const contextFor = (actor: Actor | undefined): Context => ({
    db,
    actor,
    ip: "127.0.0.1",
    userAgent: "vitest",
    requestId: randomUUID(),
    loginLimiter,
    crossOrigin: false,
    ...(options.demoTrafficControl !== undefined ? { demoTrafficControl: options.demoTrafficControl } : {}),
  });

  const deps = {
    db,
    loginLimiter,
    ...(options.demoTrafficControl !== undefined ? { demoTrafficControl: options.demoTrafficControl } : {}),
  };
  const trpc = createHTTPHandler({
    router: appRouter,
    createContext: createHttpContextFactory(deps),
    basePath: "/api/trpc/",
  });
  const rest = createRestHandler({
    ...deps,
    version: "test",
    onError: (error) => console.error("REST internal error:", error),
  });
  const server: Server = createServer((req, res) => {
    const url = req.url ?? "/";
    if (url.startsWith("/api/trpc/")) trpc(req, res);
    else if (url.startsWith(REST_PREFIX)) void rest(req, res);
    else {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    db,
    postgres,
    users,
    as: (role) => createCaller(contextFor(role === "anonymous" ? undefined : actorFor(role))),
    actorFor,
    baseUrl,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await db.$disconnect();
      await postgres.destroy();
    },
  };
}

/** fetch() against the test server, JSON in and out. */
export async function http(
  api: TestApi,
  method: string,
  path: string,
  options: { body?: unknown; token?: string; cookie?: string; headers?: Record<string, string> } = {},
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON bodies
): Promise<{ status: number; body: any; headers: Headers }> {
  const response = await fetch(`${api.baseUrl}${path}`, {
    method,
    headers: {
      ...(options.body !== undefined ? { "content-type": "application/json" } : {}),
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      ...(options.cookie ? { cookie: options.cookie } : {}),
      ...options.headers,
    },
    ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
  });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // Not JSON: keep the text.
  }
  return { status: response.status, body, headers: response.headers };
}
