import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { PrismaPg } from "@prisma/adapter-pg";
import { bindMigrationAwareSqlAdapterFactory } from "@prisma/driver-adapter-utils";
import type { SchemaEngine } from "@prisma/schema-engine-wasm";
import * as bindings from "@prisma/schema-engine-wasm/schema_engine_bg";

/**
 * Prisma's schema engine compiled to WebAssembly: the same migration logic as `prisma migrate`,
 * without the native binary the CLI would download. The package targets bundlers, so we
 * instantiate its .wasm ourselves and hand the exports to the JS glue, once per process.
 */
let loaded: Promise<typeof bindings> | undefined;

/** The slice of the WebAssembly global this loader uses (@types/node 20 does not declare it). */
interface WasmApi {
  instantiate(
    bytes: Uint8Array,
    imports: Record<string, unknown>,
  ): Promise<{ instance: { exports: Record<string, unknown> } }>;
}
const wasmApi = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

function loadBindings(): Promise<typeof bindings> {
  loaded ??= (async () => {
    const require = createRequire(import.meta.url);
    // The package's exports map hides the .wasm file; find it beside the entry point.
    const wasmPath = join(dirname(require.resolve("@prisma/schema-engine-wasm")), "schema_engine_bg.wasm");
    const bytes = await readFile(wasmPath);
    const { instance } = await wasmApi.instantiate(bytes, { "./schema_engine_bg.js": bindings });
    const exports = instance.exports as { __wbindgen_start: () => void };
    bindings.__wbg_set_wasm(exports);
    exports.__wbindgen_start();
    return bindings;
  })();
  return loaded;
}

export interface EngineHandle {
  engine: SchemaEngine;
  /** Frees the engine and closes its database connections. */
  close(): Promise<void>;
}

/**
 * Opens a schema engine on the database at `url`, through the `pg` driver adapter. The engine
 * checks the server's version as it starts, so even a pure schema-to-schema diff needs one.
 */
export async function openSchemaEngine(options: { url: string }): Promise<EngineHandle> {
  const { SchemaEngine } = await loadBindings();
  const factory = bindMigrationAwareSqlAdapterFactory(new PrismaPg({ connectionString: options.url }));
  const logs: string[] = [];
  const engine = await SchemaEngine.new(
    { datamodels: undefined },
    (log: string) => {
      logs.push(log);
    },
    factory,
  );
  return {
    engine,
    async close() {
      engine.free();
    },
  };
}
