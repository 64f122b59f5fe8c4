import { describe, expect, it } from "vitest";
import { LogThrottle } from "../src/log-throttle";

describe("LogThrottle", () => {
  it("lets one line per key through per interval, and each key on its own", () => {
    let now = 1_000_000;
    const throttle = new LogThrottle(() => now, 60_000);
    expect(throttle.allow("agent-a:malformed")).toBe(true);
    expect(throttle.allow("agent-a:malformed")).toBe(false);
    expect(throttle.allow("agent-b:malformed")).toBe(true);
    now += 59_999;
    expect(throttle.allow("agent-a:malformed")).toBe(false);
    now += 1;
    expect(throttle.allow("agent-a:malformed")).toBe(true);
  });

  it("forgets everything rather than grow without bound on keys from outside", () => {
    const throttle = new LogThrottle(() => 0);
    for (let i = 0; i <= 10_000; i++) throttle.allow(`name-${i}`);
    // The 10,001st key cleared the table: the first key is allowed again at once.
    expect(throttle.allow("name-0")).toBe(true);
  });
});
