import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";

import type { Db } from "@weir/db";
import { parse as parseCookies, serialize as serializeCookie } from "cookie";
import type { Actor } from "./auth/actor";
import { resolveApiToken } from "./auth/api-tokens";
import type { LoginLimiter } from "./auth/login-limiter";
import { resolveSession, SESSION_COOKIE } from "./auth/sessions";

/** What every procedure sees. */
export interface Context {
  db: Db;
  /** Undefined when the caller presented no valid session or token. */
  actor: Actor | undefined;
  /** Why there is no actor although credentials were sent, for a precise 401 message. */
  credentialProblem?: string;
  ip: string;
  userAgent: string | undefined;
  requestId: string;
  loginLimiter: LoginLimiter;
  /** A cookie-authenticated request sent from another site (CSRF); mutations refuse it. */
  crossOrigin: boolean;
  /** `host:port` of the demo traffic generator's control endpoint (`demo.traffic`); default 127.0.0.1:9199. */
  demoTrafficControl?: string;
  /** HTTP calls only: sign-in sets the session cookie, sign-out clears it. */
  session?: { set(token: string, expiresAt: Date): void; clear(): void };
}

export interface ContextDeps {
  db: Db;
  loginLimiter: LoginLimiter;
  /** Trust X-Forwarded-For/Proto from a load balancer in front of the control plane. */
  trustProxy?: boolean;
  /** `host:port` of the demo traffic generator's control endpoint (WEIR_DEMO_TRAFFIC_CONTROL). */
  demoTrafficControl?: string;
}

/** Builds the context of one HTTP request: who is calling, from where. */
export function createHttpContextFactory(deps: ContextDeps) {
  return async ({ res }: { res: ServerResponse }): Promise<Context> => {
    // The REST adapter hands createContext a fetch Request, tRPC's own adapter the IncomingMessage;
    // the response knows the original request (with its socket) in both cases.
    const req = res.req;
    const ip = clientIp(req, deps.trustProxy ?? false);
    const secure = isSecure(req, deps.trustProxy ?? false);
    const requestId = headerValue(req, "x-request-id")?.slice(0, 100) ?? randomUUID();
    const bearer = /^Bearer\s+(\S+)$/i.exec(headerValue(req, "authorization") ?? "")?.[1];
    const cookieToken = parseCookies(headerValue(req, "cookie") ?? "")[SESSION_COOKIE];

    let actor: Actor | undefined;
    let credentialProblem: string | undefined;
    if (bearer) {
      actor = await resolveApiToken({ db: deps.db, token: bearer });
      if (!actor) credentialProblem = "The API token is invalid, expired or revoked.";
    } else if (cookieToken) {
      actor = await resolveSession({ db: deps.db, token: cookieToken });
      if (!actor) credentialProblem = "Your session has expired; sign in again.";
    }

    const origin = headerValue(req, "origin");
    const crossOrigin = !bearer && cookieToken !== undefined && origin !== undefined && !sameHost(origin, req);

    const cookie = (value: string, maxAge: number) =>
      serializeCookie(SESSION_COOKIE, value, { httpOnly: true, sameSite: "lax", secure, path: "/", maxAge });
    return {
      db: deps.db,
      actor,
      ...(credentialProblem ? { credentialProblem } : {}),
      ip,
      userAgent: headerValue(req, "user-agent"),
      requestId,
      loginLimiter: deps.loginLimiter,
      crossOrigin,
      ...(deps.demoTrafficControl !== undefined ? { demoTrafficControl: deps.demoTrafficControl } : {}),
      session: {
        set: (token, expiresAt) =>
          appendHeader(res, "set-cookie", cookie(token, Math.floor((expiresAt.getTime() - Date.now()) / 1000))),
        clear: () => appendHeader(res, "set-cookie", cookie("", 0)),
      },
    };
  };
}

function headerValue(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function clientIp(req: IncomingMessage, trustProxy: boolean): string {
  if (trustProxy) {
    const forwarded = headerValue(req, "x-forwarded-for")?.split(",")[0]?.trim();
    if (forwarded) return forwarded;
  }
  return req.socket.remoteAddress ?? "unknown";
}

function isSecure(req: IncomingMessage, trustProxy: boolean): boolean {
  if ((req.socket as { encrypted?: boolean }).encrypted) return true;
  return trustProxy && headerValue(req, "x-forwarded-proto") === "https";
}

function sameHost(origin: string, req: IncomingMessage): boolean {
  try {
    return new URL(origin).host === headerValue(req, "host");
  } catch {
    return false;
  }
}

function appendHeader(res: ServerResponse, name: string, value: string): void {
  const existing = res.getHeader(name);
  const values = existing === undefined ? [] : Array.isArray(existing) ? existing : [String(existing)];
  res.setHeader(name, [...values, value]);
}
