import { readFileSync } from "node:fs";
import { STATUS_CODES } from "node:http";
import { describe, expect, it } from "vitest";
import { engineErrors, errorAnswers } from "../src/errors";

const doc = readFileSync(new URL("../../../docs/proxy-engine.md", import.meta.url), "utf8");

describe("engine error codes", () => {
  it.each(Object.entries(engineErrors))(
    "%s maps to a real HTTP status and is documented with it",
    (code, { status }) => {
      expect(STATUS_CODES[status]).toBeDefined();
      expect(code).toMatch(/^WEIR_E_[A-Z_]+$/);
      expect(doc).toMatch(new RegExp(`\\|\\s*\`${code}\`\\s*\\|\\s*${status}\\s*\\|`));
    },
  );

  it("answers each code with a one-line body naming it", () => {
    for (const [code, answer] of Object.entries(errorAnswers)) {
      const body = answer.body.toString();
      expect(body.startsWith(`${code}: `)).toBe(true);
      expect(body.trim().includes("\n")).toBe(false);
      expect(answer.contentLength).toBe(String(answer.body.length));
    }
  });
});
