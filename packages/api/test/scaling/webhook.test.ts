import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import {
  callScalingWebhook,
  type ScalingWebhookPayload,
  verifyWebhookSignature,
  webhookBackoffMs,
} from "../../src/scaling/actuators/webhook";

const SECRET = "s3cret-s3cret-s3cret";
const AT = Date.UTC(2025, 0, 1, 12, 0, 0);
const payload = { rule: "web-rps", pool: "web", version: "v2", current: 3, desired: 5, reason: "rps above target" };

interface Received {
  headers: IncomingMessage["headers"];
  body: string;
  signatureValid: boolean;
}

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

/** A receiver on port 0 that verifies the signature (401 when wrong) and answers from `reply`. */
async function receiver(
  reply: (n: number, res: ServerResponse) => void,
): Promise<{ url: string; received: Received[] }> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const raw = Buffer.concat(chunks);
      const signatureValid = verifyWebhookSignature(SECRET, raw, req.headers["x-weir-signature"] as string | undefined);
      received.push({ headers: req.headers, body: raw.toString("utf8"), signatureValid });
      if (!signatureValid) {
        res.writeHead(401).end("bad signature");
        return;
      }
      reply(received.length, res);
    });
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/scale`, received };
}

function call(url: string, extra: { retries?: number; timeoutMs?: number; secret?: string } = {}) {
  const sleeps: number[] = [];
  const result = callScalingWebhook({
    config: { url, secret: extra.secret ?? SECRET, timeoutMs: extra.timeoutMs ?? 5_000, retries: extra.retries ?? 3 },
    payload,
    now: () => AT,
    rng: () => 0.5,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
  });
  return { result, sleeps };
}

describe("webhook actuator", () => {
  it("POSTs the decision as JSON with a verifiable signature and timestamp", async () => {
    const { url, received } = await receiver((_, res) => res.writeHead(200).end("scaled"));
    const { result } = call(url);
    expect(await result).toMatchObject({ ok: true, status: 200, attempts: 1, responseBody: "scaled" });
    expect(received).toHaveLength(1);
    const [req] = received as [Received];
    expect(req.signatureValid).toBe(true);
    expect(req.headers["content-type"]).toBe("application/json");
    expect(req.headers["x-weir-timestamp"]).toBe(String(AT / 1000));
    expect(req.headers["x-weir-delivery"]).toMatch(/^[0-9a-f-]{36}$/);
    expect(JSON.parse(req.body) as ScalingWebhookPayload).toEqual({ ...payload, at: "2025-01-01T12:00:00.000Z" });
  });

  it("a receiver with another secret refuses it, and a 4xx is not retried", async () => {
    const { url, received } = await receiver((_, res) => res.writeHead(200).end());
    const { result, sleeps } = call(url, { secret: "another-secret-of-16+" });
    expect(await result).toMatchObject({
      ok: false,
      status: 401,
      attempts: 1,
      error: "HTTP 401: refused by the receiver",
    });
    expect(received).toHaveLength(1);
    expect(received[0]?.signatureValid).toBe(false);
    expect(sleeps).toEqual([]);
  });

  it("retries 5xx with growing back-off, resending the same signed body and delivery id", async () => {
    const { url, received } = await receiver((n, res) => res.writeHead(n < 3 ? 503 : 204).end());
    const { result, sleeps } = call(url);
    expect(await result).toMatchObject({ ok: true, status: 204, attempts: 3 });
    expect(received.map((r) => r.signatureValid)).toEqual([true, true, true]);
    expect(new Set(received.map((r) => r.body)).size).toBe(1);
    expect(new Set(received.map((r) => r.headers["x-weir-delivery"])).size).toBe(1);
    expect(sleeps).toEqual([webhookBackoffMs(1, () => 0.5), webhookBackoffMs(2, () => 0.5)]);
    expect(sleeps[1]).toBeGreaterThan(sleeps[0] as number);
  });

  it("gives up after `retries` retries and reports the last status", async () => {
    const { url, received } = await receiver((_, res) => res.writeHead(500).end("boom"));
    const { result } = call(url, { retries: 2 });
    expect(await result).toMatchObject({ ok: false, status: 500, attempts: 3, responseBody: "boom" });
    expect(received).toHaveLength(3);
  });

  it("retries network errors (nothing listening)", async () => {
    const { url } = await receiver(() => {});
    const s = servers.pop() as Server;
    await new Promise((r) => s.close(r));
    const { result, sleeps } = call(url, { retries: 2 });
    const r = await result;
    expect(r).toMatchObject({ ok: false, attempts: 3 });
    expect(r.ok ? "" : r.error).toContain("ECONNREFUSED");
    expect(sleeps).toHaveLength(2);
  });

  it("cuts an attempt that gets no answer at timeoutMs and retries it", async () => {
    const { url, received } = await receiver((n, res) => {
      if (n > 1) res.writeHead(200).end("late but fine");
      // the first request is left unanswered
    });
    const { result } = call(url, { timeoutMs: 200, retries: 1 });
    expect(await result).toMatchObject({ ok: true, attempts: 2, responseBody: "late but fine" });
    expect(received).toHaveLength(2);
  });

  it("does not follow redirects", async () => {
    const { url } = await receiver((_, res) => res.writeHead(307, { location: "http://elsewhere.example/" }).end());
    const { result } = call(url);
    expect(await result).toMatchObject({
      ok: false,
      status: 307,
      attempts: 1,
      error: "HTTP 307: redirect to http://elsewhere.example/ not followed",
    });
  });
});
