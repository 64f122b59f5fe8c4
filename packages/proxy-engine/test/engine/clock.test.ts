import { afterEach, describe, expect, it } from "vitest";
import { Cleanup } from "../support/backends";
import { eventually } from "../support/client";
import { singlePoolConfig } from "../support/config";
import { startEngine } from "../support/engine";
import { startLoggingBackend } from "../support/logging-backend";
import { RawClient } from "../support/raw-client";

// One clock, injected: the engine reads time only through `EngineOptions.now`, so a test moves
// time forward instead of waiting for it. Every deadline here is ten minutes of engine time; the
// test's own waits are seconds, so only the injected clock can have fired them.

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

const TEN_MINUTES = 600_000;

function manualClock(start = 1_700_000_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

describe("the injected clock", () => {
  it("13.5: drives the client header deadline", async () => {
    const clock = manualClock();
    const backend = await startLoggingBackend(cleanup);
    const { port } = await startEngine(
      cleanup,
      singlePoolConfig([backend], {}, { limits: { headerTimeoutMs: TEN_MINUTES, idleTimeoutMs: 3_600_000 } }),
      { now: clock.now },
    );
    const client = await RawClient.open(port);
    cleanup.add(async () => client.socket.destroy());
    await client.write("GET / HTTP/1.1\r\nHost: x\r\n");
    clock.advance(TEN_MINUTES);
    expect((await client.response()).status).toBe(408);
  });

  it("13.5: drives the client idle timeout between requests", async () => {
    const clock = manualClock();
    const backend = await startLoggingBackend(cleanup);
    const { port } = await startEngine(
      cleanup,
      singlePoolConfig([backend], {}, { limits: { idleTimeoutMs: TEN_MINUTES } }),
      { now: clock.now },
    );
    const client = await RawClient.open(port);
    cleanup.add(async () => client.socket.destroy());
    await client.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    const answer = await client.response();
    expect(answer.status).toBe(200);
    // The Date header the engine adds is its clock's too.
    expect(answer.headers.date).toBe(new Date(clock.now()).toUTCString());
    clock.advance(TEN_MINUTES);
    expect(await client.waitClosed()).toBe(true);
  });

  it("13.5: drives the upstream's time-to-first-byte deadline", async () => {
    const clock = manualClock();
    // A backend that reads the request and never answers.
    const backend = await startLoggingBackend(cleanup, () => ({ answer: "" }));
    const { port, engine } = await startEngine(
      cleanup,
      singlePoolConfig([backend], { timeouts: { firstByteMs: TEN_MINUTES }, retry: { attempts: 0 } }),
      { now: clock.now },
    );
    const client = await RawClient.open(port);
    cleanup.add(async () => client.socket.destroy());
    await client.write("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n");
    await eventually(() => backend.requests.length > 0);
    clock.advance(TEN_MINUTES);
    expect((await client.response()).status).toBe(504);
    expect(engine.metrics.snapshot().takenAt).toBe(clock.now());
  });
});
