import { readFileSync } from "node:fs";
import { STATUS_CODES } from "node:http";
import { describe, expect, it } from "vitest";
import { configErrorCodes } from "../../src";

const doc = readFileSync(new URL("../../../../docs/config.md", import.meta.url), "utf8");

describe("config error codes", () => {
  it.each(Object.entries(configErrorCodes))("%s maps to HTTP %d and is documented with it", (code, status) => {
    expect(STATUS_CODES[status]).toBeDefined();
    expect(doc).toMatch(new RegExp(`\\|\\s*\`${code}\`\\s*\\|\\s*${status}\\s*\\|`));
  });
});
