// Shared steps of `npm start` and `npm test`. Node built-ins only: these run before any
// dependency is installed.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const root = join(dirname(fileURLToPath(import.meta.url)), "..");

export function say(message) {
  process.stdout.write(`\x1b[1m▸ ${message}\x1b[0m\n`);
}

/** Runs a command to completion with inherited output; exits the script when it fails. */
export function run(command, args, options = {}) {
  const result = spawnSync(command, args, { cwd: root, stdio: "inherit", ...options });
  if (result.status !== 0) {
    process.stderr.write(`\n${command} ${args.join(" ")} failed (exit ${result.status ?? result.signal}).\n`);
    process.exit(result.status ?? 1);
  }
}

/** Like run(), but returns the exit code instead of exiting. */
export function attempt(command, args, options = {}) {
  return spawnSync(command, args, { cwd: root, stdio: "inherit", ...options }).status ?? 1;
}

/**
 * Installs dependencies when they are missing or older than package-lock.json. `npm install`
 * rather than `npm ci`: the lock file holds only the platform packages (biome's, for one) that
 * the registry mirror here serves, and `npm ci` refuses a lock that lacks the others, while
 * `npm install` installs exactly the locked versions and leaves the lock file as it is.
 */
export function ensureDependencies() {
  const marker = join(root, "node_modules", ".package-lock.json");
  const missing = !existsSync(marker);
  if (missing || statSync(join(root, "package-lock.json")).mtimeMs > statSync(marker).mtimeMs) {
    say(missing ? "Installing dependencies" : "Dependencies changed; updating");
    run("npm", ["install", "--no-audit", "--no-fund"]);
  }
}

/** Builds every workspace; turbo skips what has not changed since the last build. */
export function build() {
  say("Building");
  run("npx", ["turbo", "run", "build", "--output-logs=errors-only"], { env: buildEnv() });
}

export function buildEnv() {
  return { ...process.env, NEXT_TELEMETRY_DISABLED: "1", TURBO_TELEMETRY_DISABLED: "1", DO_NOT_TRACK: "1" };
}

/** Spawns a long-running child that shares our terminal; resolves with its exit code. */
export function supervise(command, args, options = {}) {
  const child = spawn(command, args, { cwd: root, stdio: "inherit", ...options });
  // Ctrl-C reaches the whole foreground process group, the child included; a signal sent to this
  // process alone (kill, a supervisor) is passed on. Either way the child decides when we exit.
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) {
    process.on(signal, () => child.kill(signal));
  }
  // `npm start` killed on its own (not by Ctrl-C) dies without telling its children: when our
  // parent goes away, stop the child rather than leave it running.
  const parent = process.ppid;
  const watchdog = setInterval(() => {
    if (process.ppid !== parent) child.kill("SIGTERM");
  }, 500);
  return new Promise((resolve) =>
    child.on("exit", (code, signal) => {
      clearInterval(watchdog);
      resolve(code ?? (signal ? 128 : 1));
    }),
  );
}
