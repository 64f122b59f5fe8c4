import { execFileSync, spawnSync } from "node:child_process";
import { copyFileSync, existsSync } from "node:fs";
import { lstat, mkdtemp, readFile, readlink, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { assertBuilt, health, repoRoot, waitFor } from "./support/control-plane";
import { demoServing, demoSetup, npmStart } from "./support/npm-start";

// As root, a checkout in a folder the `postgres` user cannot enter (root's home, mode 0700, is
// the usual place) holds the embedded Postgres binaries and its data out of that user's reach.
// `npm start` from there must work all the same.

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

beforeAll(assertBuilt);

const asRoot = process.getuid?.() === 0;
if (!asRoot) console.warn("any-folder.test.ts: skipped, it needs root (Postgres then runs as another user).");

describe.runIf(asRoot)("a checkout only root can enter", () => {
  it("12: npm start there serves the demo, with Postgres's binaries and cluster kept where its user reaches them", {
    timeout: 420_000,
  }, async () => {
    const closed = await mkdtemp(join(tmpdir(), "weir-closed-"));
    cleanups.push(() => rm(closed, { recursive: true, force: true }));
    expect((await stat(closed)).mode & 0o777).toBe(0o700);
    const checkout = join(closed, "weir");
    execFileSync("git", ["clone", "--quiet", repoRoot, checkout]);
    // The installed dependencies and the build cache, as hard links: the same files, now inside
    // the closed folder, without minutes of `npm install` and build. The install marker is a copy
    // made after the clone, so `npm start` finds the dependencies current.
    const link = (path: string) => {
      if (!existsSync(join(repoRoot, path))) return;
      const copied = spawnSync("cp", ["-al", join(repoRoot, path), join(checkout, path)]);
      if (copied.status !== 0) execFileSync("cp", ["-a", join(repoRoot, path), join(checkout, path)]);
    };
    for (const path of ["node_modules", "packages/api/node_modules", ".turbo"]) link(path);
    const marker = join(checkout, "node_modules", ".package-lock.json");
    await rm(marker);
    copyFileSync(join(repoRoot, "node_modules", ".package-lock.json"), marker);

    const dataDir = join(checkout, ".weir");
    const setup = await demoSetup(dataDir);
    const started = npmStart(setup, cleanups, checkout);
    await waitFor(() => demoServing(setup), started.output, 240_000);
    expect((await health(setup)).body).toMatchObject({ status: "ok", database: { status: "ok" } });

    // The cluster lives in the system folder, owned by postgres, linked from the data directory.
    const clusterLink = join(dataDir, "postgres");
    expect((await lstat(clusterLink)).isSymbolicLink()).toBe(true);
    const cluster = await readlink(clusterLink);
    cleanups.push(() => rm(cluster, { recursive: true, force: true }));
    expect(cluster.startsWith("/var/lib/weir/clusters/")).toBe(true);
    const postgresUid = Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }));
    expect((await stat(cluster)).uid).toBe(postgresUid);
    expect(started.output()).not.toContain("WEIR_E_DB");
    // The server runs from the copy of the binaries in the system folder, not from the checkout.
    const postmaster = (await readFile(join(cluster, "postmaster.pid"), "utf8")).split("\n")[0];
    expect(await readlink(`/proc/${postmaster}/exe`)).toMatch(/^\/var\/lib\/weir\/postgres-[^/]+\/bin\/postgres$/);

    started.child.kill("SIGINT");
    await started.exited;
  });
});
