import { createHmac, randomUUID, timingSafeEqual } from "node:crypto";
import type { WebhookActuatorConfig } from "@weir/config/api";

/**
 * The `webhook` actuator: tells a receiver (a cloud scaling group's glue, a script) how many
 * backends a rule wants. One JSON POST per decision:
 *
 *   { "rule": "web-rps", "pool": "web", "version": "v2", "current": 3, "desired": 5,
 *     "reason": "rps_per_backend 180 req/s vs target 100 req/s → 6: scale up 3 → 5, ...",
 *     "at": "2025-01-01T12:00:00.000Z" }
 *
 * Headers: `X-Weir-Signature: sha256=<hex HMAC-SHA256 of the exact body bytes, keyed by the
 * rule's secret>` (GitHub's `X-Hub-Signature-256` scheme), `X-Weir-Timestamp` (Unix seconds of
 * `at`), and `X-Weir-Delivery` (one id per call, the same on every retry, so a receiver can drop
 * duplicates). The timestamp is inside the signed body too: a receiver that verifies the signature
 * and refuses an old `at` is safe from replays. `verifyWebhookSignature` is the receiver's half.
 *
 * Delivery: each attempt is cut at `timeoutMs`; network errors, timeouts and 5xx are retried up to
 * `retries` times with exponential back-off and jitter; a 4xx is the receiver refusing this request
 * and is not retried, nor is a redirect (following one would resend a signed body to a URL nobody
 * configured). `desired` is an absolute count, so a retry that lands twice changes nothing.
 * Nothing throws: the result says what happened, for the decision log.
 */

export interface ScalingWebhookPayload {
  rule: string;
  pool: string;
  /** The version label the rule scales; absent for a whole-pool rule. */
  version?: string;
  current: number;
  desired: number;
  reason: string;
  /** ISO 8601. */
  at: string;
}

export type WebhookResult =
  | { ok: true; status: number; attempts: number; deliveryId: string; responseBody: string }
  | {
      ok: false;
      /** The last response's status, when there was one. */
      status?: number;
      /** One line: the last failure. */
      error: string;
      attempts: number;
      deliveryId: string;
      responseBody?: string;
    };

export interface CallWebhookOptions {
  config: Pick<WebhookActuatorConfig, "url" | "secret" | "timeoutMs" | "retries">;
  payload: Omit<ScalingWebhookPayload, "at">;
  /** Epoch ms for `at`. Default Date.now. */
  now?: () => number;
  /** Waits between attempts; injected so tests run without waiting. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** In [0, 1): jitter. Default Math.random. */
  rng?: () => number;
  /** Cancels the call (e.g. the controller lost leadership); no retry follows. */
  signal?: AbortSignal;
}

/** Back-off before retry n (1-based): 250 ms doubling up to 8 s, half of it random ("equal jitter"). */
export function webhookBackoffMs(retry: number, rng: () => number): number {
  const ceiling = Math.min(8_000, 250 * 2 ** (retry - 1));
  return Math.round(ceiling / 2 + rng() * (ceiling / 2));
}

export function signWebhookBody(secret: string, body: string | Uint8Array): string {
  return `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
}

/** For receivers (and tests): constant-time check of `X-Weir-Signature` against the raw body. */
export function verifyWebhookSignature(secret: string, body: string | Uint8Array, header: string | undefined): boolean {
  if (!header) return false;
  const expected = Buffer.from(signWebhookBody(secret, body));
  const got = Buffer.from(header);
  return got.length === expected.length && timingSafeEqual(got, expected);
}

const MAX_RESPONSE_BODY = 2048;

/** Reads at most MAX_RESPONSE_BODY bytes of a response for the log and drops the rest. */
async function readSome(res: Response): Promise<string> {
  if (!res.body) return "";
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < MAX_RESPONSE_BODY) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
  return Buffer.concat(chunks).subarray(0, MAX_RESPONSE_BODY).toString("utf8");
}

const defaultSleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      "abort",
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });

function describeError(error: unknown, timeoutMs: number): string {
  const e = error as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e?.name === "TimeoutError") return `no answer within ${timeoutMs} ms`;
  if (e?.name === "AbortError") return "cancelled";
  const cause = e?.cause?.code ?? e?.cause?.message;
  return cause ? `${e?.message ?? "request failed"} (${cause})` : (e?.message ?? String(error));
}

export async function callScalingWebhook(options: CallWebhookOptions): Promise<WebhookResult> {
  const { config, signal } = options;
  const sleep = options.sleep ?? defaultSleep;
  const rng = options.rng ?? Math.random;
  const atMs = (options.now ?? Date.now)();
  const payload: ScalingWebhookPayload = { ...options.payload, at: new Date(atMs).toISOString() };
  const body = JSON.stringify(payload);
  const deliveryId = randomUUID();
  const headers = {
    "content-type": "application/json",
    "user-agent": "weir-autoscaler",
    "x-weir-signature": signWebhookBody(config.secret, body),
    "x-weir-timestamp": String(Math.floor(atMs / 1000)),
    "x-weir-delivery": deliveryId,
  };

  let last: Extract<WebhookResult, { ok: false }> = { ok: false, error: "not sent", attempts: 0, deliveryId };
  for (let attempt = 1; attempt <= config.retries + 1; attempt++) {
    if (attempt > 1) await sleep(webhookBackoffMs(attempt - 1, rng), signal);
    if (signal?.aborted) return { ...last, error: last.attempts ? `${last.error}; then cancelled` : "cancelled" };
    const timeout = AbortSignal.timeout(config.timeoutMs);
    const attemptSignal = signal ? AbortSignal.any([signal, timeout]) : timeout;
    let retryable: boolean;
    try {
      const res = await fetch(config.url, { method: "POST", headers, body, redirect: "manual", signal: attemptSignal });
      const responseBody = await readSome(res);
      if (res.status >= 200 && res.status < 300) {
        return { ok: true, status: res.status, attempts: attempt, deliveryId, responseBody };
      }
      retryable = res.status >= 500;
      const what =
        res.status >= 300 && res.status < 400
          ? `redirect to ${res.headers.get("location") ?? "?"} not followed`
          : res.status >= 500
            ? "receiver error"
            : "refused by the receiver";
      last = {
        ok: false,
        status: res.status,
        error: `HTTP ${res.status}: ${what}`,
        attempts: attempt,
        deliveryId,
        responseBody,
      };
    } catch (error) {
      retryable = !signal?.aborted;
      last = { ok: false, error: describeError(error, config.timeoutMs), attempts: attempt, deliveryId };
    }
    if (!retryable) return last;
  }
  return last;
}
