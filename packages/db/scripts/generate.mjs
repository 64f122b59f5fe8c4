// `prisma generate` without network access. Generate never runs the schema engine, but the CLI
// insists on finding one; pointing it at any existing file satisfies that check.
import { spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const result = spawnSync("npx", ["prisma", "generate", "--schema", "prisma/schema.prisma"], {
  cwd: root,
  stdio: ["ignore", "inherit", "inherit"],
  env: { ...process.env, PRISMA_SCHEMA_ENGINE_BINARY: process.execPath, PRISMA_HIDE_UPDATE_MESSAGE: "1" },
});
process.exit(result.status ?? 1);
