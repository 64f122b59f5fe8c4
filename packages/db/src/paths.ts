import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";

/**
 * The repository's `prisma/` folder: the nearest one at or above `from`. Apps run from the
 * repository root, workspace scripts from their own folder, containers from /app; all find it.
 */
export function findPrismaDir(from: string = process.cwd()): string {
  let dir = resolve(from);
  for (;;) {
    const candidate = join(dir, "prisma");
    if (existsSync(join(candidate, "schema.prisma"))) return candidate;
    const parent = dirname(dir);
    if (parent === dir) {
      throw new Error(`No prisma/schema.prisma found in ${from} or any folder above it.`);
    }
    dir = parent;
  }
}
