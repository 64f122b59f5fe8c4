import { type FSWatcher, watch } from "node:fs";
import type { Server } from "node:http";
import { basename, dirname, resolve } from "node:path";
import type { EngineConfig } from "@weir/config";
import { createEngine, type Engine, type Logger } from "@weir/proxy-engine";
import { adminPort, closeServer, startAdmin } from "./admin";
import { loadConfigFile } from "./config-file";

export interface StandaloneOptions {
  /** Config file (YAML or JSON). */
  configPath: string;
  logger: Logger;
  /** `host:port` for the admin endpoints (see admin.ts); none when unset. */
  admin?: string;
  /** Quiet period after a file event before reloading: editors write in several steps. */
  debounceMs?: number;
}

export interface Standalone {
  readonly engine: Engine;
  /** Version of the config running now. */
  readonly version: () => number | undefined;
  /** Re-reads the file and applies it; resolves false (and logs why) when it was refused. */
  reload(): Promise<boolean>;
  adminPort(): number | undefined;
  close(): Promise<void>;
}

/**
 * Standalone mode: the engine runs a config file with no control plane and follows the file. A
 * change is applied when the file parses and validates; otherwise the error (every issue, with its
 * field path) is logged and the last good config keeps serving. The directory is watched rather
 * than the file, so editors that save by writing a new file and renaming it are followed too.
 */
export async function runStandalone(options: StandaloneOptions): Promise<Standalone> {
  const { logger } = options;
  const path = resolve(options.configPath);
  // The engine logs health transitions itself (one JSON line each).
  const engine = createEngine({ logger });

  let current: EngineConfig = await loadConfigFile(path);
  await engine.apply(current);
  logger.info("standalone: serving", { config: path, version: current.version, listeners: engine.listenerInfo() });

  let reloading: Promise<boolean> = Promise.resolve(true);
  const reload = (): Promise<boolean> => {
    reloading = reloading.then(async () => {
      try {
        const next = await loadConfigFile(path);
        await engine.apply(next);
        current = next;
        logger.info("standalone: config reloaded", { version: next.version, listeners: engine.listenerInfo() });
        return true;
      } catch (err) {
        const e = err as Error & { code?: string; issues?: readonly string[] };
        logger.error("standalone: config refused, still serving the previous one", {
          code: e.code ?? "WEIR_E_INVALID_CONFIG",
          error: e.message.split("\n")[0],
          issues: e.issues,
          serving: current.version,
        });
        return false;
      }
    });
    return reloading;
  };

  let timer: NodeJS.Timeout | undefined;
  const watcher: FSWatcher = watch(dirname(path), (_event, file) => {
    if (file !== null && file !== basename(path)) return;
    if (timer !== undefined) clearTimeout(timer);
    timer = setTimeout(() => void reload(), options.debounceMs ?? 150);
  });

  let admin: Server | undefined;
  if (options.admin !== undefined)
    admin = await startAdmin({
      listen: options.admin,
      engine,
      // Standalone serves from the first valid file on, so it is ready once started.
      readiness: () => ({ ready: true }),
      status: () => ({ mode: "standalone", config: path, serving: current.version }),
    });

  return {
    engine,
    version: () => engine.config?.version,
    reload,
    adminPort: () => adminPort(admin),
    close: async () => {
      watcher.close();
      if (timer !== undefined) clearTimeout(timer);
      await reloading;
      await closeServer(admin);
      await engine.close();
    },
  };
}
