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

/**
 * Long-running children that share our terminal. A signal to this process (Ctrl-C, kill, a
 * supervisor) is passed on to each child. A child that dies on its own is handled by its options:
 * - `restart`: started again with back-off (1 s doubling to 30 s, back to 1 s after a minute up),
 *   once `ready(handle)` has said it came up at least once; before that, its exit counts as a
 *   failed start;
 * - `critical`: when it exits for good, the others are stopped and `done` resolves with its code;
 * - otherwise it is reported and the rest keep running.
 * If `npm start` itself is killed without telling its children, they are stopped rather than
 * left running.
 */
export class Supervisor {
  children = new Set();
  #resolve;
  done = new Promise((resolve) => {
    this.#resolve = resolve;
  });
  #stopping = false;
  #code;
  #timers = new Set();

  constructor() {
    for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) {
      process.on(signal, () => this.stopAll(signal));
    }
    const parent = process.ppid;
    this.watchdog = setInterval(() => {
      if (process.ppid !== parent) this.stopAll("SIGTERM");
    }, 500);
  }

  /**
   * Starts `command` and returns its handle: `child` is the process running now (a new one after
   * each restart), `restarts` how many times it was started again.
   */
  start(name, command, args, { critical = false, restart = false, prefix = false, ...options } = {}) {
    const handle = { name, child: undefined, restarts: 0, everReady: false, stopped: false };
    let failures = 0;
    const launch = () => {
      // Each child leads its own process group: Ctrl-C reaches this process alone, which passes
      // it on, so the control plane stops its embedded Postgres itself, in order, instead of the
      // terminal's SIGINT reaching Postgres too and pulling the database away mid-shutdown.
      const child = spawn(command, args, {
        cwd: root,
        stdio: prefix ? ["ignore", "pipe", "pipe"] : "inherit",
        detached: true,
        ...options,
      });
      const startedAt = Date.now();
      if (prefix) {
        for (const stream of [child.stdout, child.stderr]) {
          let rest = "";
          stream.on("data", (chunk) => {
            const lines = (rest + chunk).split("\n");
            rest = lines.pop() ?? "";
            for (const line of lines) if (line.trim()) process.stderr.write(`[${name}] ${line}\n`);
          });
        }
      }
      handle.child = child;
      this.children.add(child);
      child.on("exit", (code, signal) => {
        this.children.delete(child);
        const how = signal ?? `exit ${code}`;
        if (!this.#stopping && restart && handle.everReady) {
          failures = Date.now() - startedAt > 60_000 ? 0 : failures + 1;
          const delay = Math.min(30_000, 1000 * 2 ** Math.max(0, failures - 1));
          process.stderr.write(
            `[${name}] stopped (${how}); starting it again in ${delay / 1000} s. Everything else keeps running.\n`,
          );
          const timer = setTimeout(() => {
            this.#timers.delete(timer);
            if (this.#stopping) return;
            handle.restarts += 1;
            launch();
          }, delay);
          this.#timers.add(timer);
          return;
        }
        handle.stopped = true;
        const status = code ?? (signal ? 128 : 1);
        if (critical) {
          this.#code ??= status;
          this.stopAll("SIGTERM");
        } else if (!this.#stopping) {
          process.stderr.write(`[${name}] stopped (${how}); the rest keeps running.\n`);
        }
        this.#settle(status);
      });
    };
    launch();
    return handle;
  }

  /** Marks a `restart` child as having come up: from now on, its crashes are restarted. */
  ready(handle) {
    handle.everReady = true;
  }

  stopAll(signal) {
    this.#stopping = true;
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    for (const child of this.children) child.kill(signal);
    this.#settle(0);
  }

  #settle(status) {
    if (this.#stopping && this.children.size === 0) {
      clearInterval(this.watchdog);
      this.#resolve(this.#code ?? status);
    }
  }
}
