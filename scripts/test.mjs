// `npm test`: every test, from a fresh clone. Installs what is missing (Debian's chromium for the
// browser tests, when root), builds, then runs lint, typecheck, unit and integration tests
// (vitest) and end-to-end tests (Playwright in Chromium), and prints one summary line.
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ensureChromium } from "./chromium.mjs";
import { attempt, build, buildEnv, ensureDependencies, run, say } from "./lib.mjs";

ensureDependencies();
const chromium = ensureChromium();
build();

say("Lint and format (biome)");
run("npx", ["biome", "ci", "."]);
say("Typecheck");
run("npx", ["turbo", "run", "typecheck", "--output-logs=errors-only"], { env: buildEnv() });

const reports = mkdtempSync(join(tmpdir(), "weir-test-reports-"));
const vitestReport = join(reports, "vitest.json");
const playwrightReport = join(reports, "playwright.json");

say("Unit and integration tests (vitest)");
const vitestCode = attempt("npx", [
  "vitest",
  "run",
  "--reporter=default",
  "--reporter=json",
  `--outputFile.json=${vitestReport}`,
]);

say("End-to-end tests (Playwright, Chromium)");
const playwrightCode = attempt("npx", ["playwright", "test", "--config", "e2e/playwright.config.ts"], {
  env: { ...buildEnv(), WEIR_CHROMIUM: chromium, PLAYWRIGHT_JSON_OUTPUT_NAME: playwrightReport },
});

const counts = { passed: 0, failed: 0, skipped: 0 };
if (existsSync(vitestReport)) {
  const report = JSON.parse(readFileSync(vitestReport, "utf8"));
  counts.passed += report.numPassedTests;
  counts.failed += report.numFailedTests;
  counts.skipped += report.numPendingTests + report.numTodoTests;
}
if (existsSync(playwrightReport)) {
  const { stats } = JSON.parse(readFileSync(playwrightReport, "utf8"));
  counts.passed += stats.expected + stats.flaky;
  counts.failed += stats.unexpected;
  counts.skipped += stats.skipped;
}
rmSync(reports, { recursive: true, force: true });

const ok = vitestCode === 0 && playwrightCode === 0 && counts.failed === 0 && counts.passed > 0;
process.stdout.write(`\n${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped\n`);
if (!ok && counts.failed === 0)
  process.stderr.write("A test runner failed before it could report its tests; see above.\n");
process.exit(ok ? 0 : 1);
