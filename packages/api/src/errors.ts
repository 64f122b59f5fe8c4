import { TRPCError } from "@trpc/server";
import type { TRPC_ERROR_CODE_KEY } from "@trpc/server/rpc";

/**
 * Stable error codes of the API, each with the tRPC code (and so the HTTP status) it travels as.
 * Scripts compare `code`; messages are for people and may change. Every code is documented in
 * docs/errors.md (a test checks that).
 */
export const API_ERRORS = {
  WEIR_E_INVALID_INPUT: { trpc: "BAD_REQUEST", description: "A field is missing, of the wrong type or out of range." },
  WEIR_E_UNAUTHENTICATED: { trpc: "UNAUTHORIZED", description: "No valid session or API token." },
  WEIR_E_INVALID_CREDENTIALS: { trpc: "UNAUTHORIZED", description: "Wrong email or password." },
  WEIR_E_FORBIDDEN: { trpc: "FORBIDDEN", description: "The caller's role may not do this." },
  WEIR_E_CROSS_ORIGIN: { trpc: "FORBIDDEN", description: "A cookie-authenticated change came from another site." },
  WEIR_E_NOT_FOUND: { trpc: "NOT_FOUND", description: "The named object does not exist." },
  WEIR_E_CONFLICT: { trpc: "CONFLICT", description: "The object changed since it was read (stale version)." },
  WEIR_E_DUPLICATE: { trpc: "CONFLICT", description: "An object with that name or address already exists." },
  WEIR_E_IN_USE: { trpc: "CONFLICT", description: "The object is still referenced by another one." },
  WEIR_E_ROLLOUT_STATE: {
    trpc: "CONFLICT",
    description: "The rollout cannot do that in its current state (e.g. promote a finished rollout).",
  },
  WEIR_E_RATE_LIMITED: { trpc: "TOO_MANY_REQUESTS", description: "Too many attempts; retry later." },
  WEIR_E_DEMO_TRAFFIC_UNAVAILABLE: {
    trpc: "SERVICE_UNAVAILABLE",
    description: "No demo traffic generator answers at its control address.",
  },
  // The scaling actuators' failures: the autoscaler records them in the decision log and the
  // rule's status (`lastError`) with these codes.
  WEIR_E_AGENT_NOT_CONNECTED: {
    trpc: "SERVICE_UNAVAILABLE",
    description: "The agent a process actuator names is not connected to this control plane, or did not answer.",
  },
  WEIR_E_BACKEND_START_FAILED: {
    trpc: "BAD_GATEWAY",
    description: "A backend process did not start (no free port, exited, or not listening in time).",
  },
  WEIR_E_BACKEND_EXITED: {
    trpc: "BAD_GATEWAY",
    description: "A backend process the autoscaler started exited on its own; it left the pool.",
  },
  WEIR_E_KUBERNETES_API: { trpc: "BAD_GATEWAY", description: "The Kubernetes API refused or did not answer." },
  WEIR_E_WEBHOOK_FAILED: {
    trpc: "BAD_GATEWAY",
    description: "The scaling webhook's receiver refused or did not answer.",
  },
  WEIR_E_PAYLOAD_TOO_LARGE: { trpc: "PAYLOAD_TOO_LARGE", description: "The request body is too large." },
  WEIR_E_INTERNAL: {
    trpc: "INTERNAL_SERVER_ERROR",
    description: "An unexpected error; details are in the server log only.",
  },
} as const satisfies Record<string, { trpc: TRPC_ERROR_CODE_KEY; description: string }>;

export type ApiErrorCode = keyof typeof API_ERRORS;

/** What an API error carries beside its message. */
export interface ApiErrorDetails {
  code: ApiErrorCode;
  /** Dotted path of the offending input field, for validation errors. */
  field?: string;
  /** For CONFLICT: the row as it is now, so the caller can show fresh values. */
  current?: unknown;
  /** For RATE_LIMITED: seconds until a retry may succeed. */
  retryAfterSeconds?: number;
}

export class ApiError extends TRPCError {
  readonly details: ApiErrorDetails;

  constructor(details: ApiErrorDetails, message: string) {
    super({ code: API_ERRORS[details.code].trpc, message });
    this.details = details;
  }
}

export function apiError(code: ApiErrorCode, message: string, extra: Omit<ApiErrorDetails, "code"> = {}): ApiError {
  return new ApiError({ code, ...extra }, message);
}
