import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { DB_ERRORS } from "../src/errors";

const doc = readFileSync(fileURLToPath(new URL("../../../docs/errors.md", import.meta.url)), "utf8");

describe("error codes", () => {
  it.each(Object.keys(DB_ERRORS))("%s is documented in docs/errors.md", (code) => {
    expect(doc).toMatch(new RegExp(`\\|\\s*\`${code}\`\\s*\\|`));
  });
});
