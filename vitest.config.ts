import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { defineConfig } from "vitest/config";

// One test command for every workspace: `npx vitest run` here runs each package's and app's
// `test/**/*.test.ts` as a project named after the package (`--project @weir/db`). End-to-end
// browser specs live in e2e/ and run under Playwright.
const workspaces = ["packages", "apps"].flatMap((parent) =>
  readdirSync(parent)
    .map((name) => join(parent, name))
    .filter((dir) => existsSync(join(dir, "package.json"))),
);

export default defineConfig({
  test: {
    // Integration tests start real Postgres servers and proxies on a 2-core machine: generous
    // timeouts, and never an assertion on wall-clock time.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    projects: workspaces.map((dir) => ({
      extends: true,
      test: {
        name: JSON.parse(readFileSync(join(dir, "package.json"), "utf8")).name as string,
        root: dir,
        include: ["test/**/*.test.ts"],
      },
    })),
  },
});
