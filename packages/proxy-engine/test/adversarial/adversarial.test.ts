import { afterEach, describe, expect, it } from "vitest";
import { Cleanup } from "../support/backends";
import { singlePoolConfig } from "../support/config";
import { startEngine } from "../support/engine";
import { startLoggingBackend } from "../support/logging-backend";
import { type AdversarialCase, CASES } from "./cases";
import { adversarialResponder, observe } from "./observe";

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

/**
 * The undici upstream measures a chunked body that arrived whole and sends it with a length: the
 * same bytes, framed the other way (the native upstream, the default, keeps chunked).
 */
function framedAsSent(expected: readonly string[]): readonly string[] {
  if (process.env.WEIR_TEST_UPSTREAM !== "undici") return expected;
  return expected.map((line) =>
    line.replace(/^(\w+ \S+) · host: (\S*) · transfer-encoding: chunked · body (".*")$/, (_m, req, host, body) => {
      const length = (JSON.parse(body) as string).length;
      return `${req} · content-length: ${length} · host: ${host} · body ${body}`;
    }),
  );
}

describe("13.7: the adversarial table against the engine", () => {
  it.each(CASES.map((k) => [`${k.category}: ${k.name}`, k] as const))("13.7: %s", async (_name, k: AdversarialCase) => {
    const backend = await startLoggingBackend(cleanup, adversarialResponder);
    const { port } = await startEngine(cleanup, singlePoolConfig([backend]));
    const seen = await observe(port, backend, k.send, { expected: k.client });
    expect(seen).toEqual({ client: k.client, backend: framedAsSent(k.backend) });
  });

  it("13.7: the table has at least 60 cases, every category pipelines GET /next behind its attacks", () => {
    expect(CASES.length).toBeGreaterThanOrEqual(60);
    expect(new Set(CASES.map((k) => k.name)).size).toBe(CASES.length);
    for (const k of CASES) expect(k.send.endsWith("GET /next HTTP/1.1\r\nHost: t\r\n\r\n"), k.name).toBe(true);
  });
});
