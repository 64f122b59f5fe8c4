import { initTRPC } from "@trpc/server";
import type { Role } from "@weir/db";
import type { OpenApiMeta } from "trpc-to-openapi";
import { ZodError } from "zod";
import type { Actor } from "./auth/actor";
import { roleAtLeast } from "./auth/roles";
import type { Context } from "./context";
import { API_ERRORS, ApiError, type ApiErrorCode, apiError } from "./errors";

const CODE_FOR_TRPC: Partial<Record<string, ApiErrorCode>> = {
  BAD_REQUEST: "WEIR_E_INVALID_INPUT",
  PARSE_ERROR: "WEIR_E_INVALID_INPUT",
  UNAUTHORIZED: "WEIR_E_UNAUTHENTICATED",
  FORBIDDEN: "WEIR_E_FORBIDDEN",
  NOT_FOUND: "WEIR_E_NOT_FOUND",
  CONFLICT: "WEIR_E_CONFLICT",
  TOO_MANY_REQUESTS: "WEIR_E_RATE_LIMITED",
  PAYLOAD_TOO_LARGE: "WEIR_E_PAYLOAD_TOO_LARGE",
};

/** The error every API caller receives (tRPC's shape, with Weir's code and the failing field). */
export interface ErrorShape {
  message: string;
  code: number;
  data: {
    code: string;
    httpStatus: number;
    path?: string;
    weirCode: ApiErrorCode;
    field?: string;
    issues?: Array<{ field: string; message: string }>;
    current?: unknown;
    retryAfterSeconds?: number;
  };
}

const t = initTRPC
  .meta<OpenApiMeta>()
  .context<Context>()
  .create({
    /**
     * Every error leaves with a stable Weir code, a message a person can act on, and for bad input
     * the field that is wrong. Never a stack trace, never an internal message.
     */
    errorFormatter({ shape, error }): ErrorShape {
      const { code, httpStatus, path } = shape.data;
      const base = { code, httpStatus, ...(path ? { path } : {}) };
      if (error.cause instanceof ZodError) {
        const issues = error.cause.issues.map((issue) => ({
          field: issue.path.join(".") || "(input)",
          message: issue.message,
        }));
        const first = issues[0];
        return {
          ...shape,
          message: first ? `${first.field}: ${first.message}` : "Invalid input.",
          data: { ...base, weirCode: "WEIR_E_INVALID_INPUT", ...(first ? { field: first.field } : {}), issues },
        };
      }
      if (error instanceof ApiError) {
        const { code: weirCode, ...extra } = error.details;
        return { ...shape, data: { ...base, weirCode, ...extra } };
      }
      const weirCode = CODE_FOR_TRPC[error.code] ?? "WEIR_E_INTERNAL";
      const message = weirCode === "WEIR_E_INTERNAL" ? "Internal error; see the control-plane log." : shape.message;
      return { ...shape, message, data: { ...base, weirCode } };
    },
  });

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;
export const publicProcedure = t.procedure;

/** Any signed-in user or valid API token. */
export const authedProcedure = t.procedure.use(({ ctx, next }) => {
  if (!ctx.actor) {
    throw apiError(
      "WEIR_E_UNAUTHENTICATED",
      ctx.credentialProblem ?? "Sign in, or send an API token as `Authorization: Bearer <token>`.",
    );
  }
  return next({ ctx: { ...ctx, actor: ctx.actor as Actor } });
});

function withRole(minimum: Role) {
  return authedProcedure.use(({ ctx, next, type }) => {
    if (!roleAtLeast(ctx.actor.role, minimum)) {
      throw apiError("WEIR_E_FORBIDDEN", `This needs the ${minimum} role; ${ctx.actor.email} has ${ctx.actor.role}.`);
    }
    if (type === "mutation" && ctx.crossOrigin) {
      throw apiError("WEIR_E_CROSS_ORIGIN", "Refused: this change was sent from another site.");
    }
    return next();
  });
}

/** Read-only access: every role. */
export const viewerProcedure = withRole("viewer");
/** Change pools, backends, rollouts and scaling rules. */
export const operatorProcedure = withRole("operator");
/** Users, tokens, agents' enrollment, and everything else. */
export const adminProcedure = withRole("admin");

export { API_ERRORS };
