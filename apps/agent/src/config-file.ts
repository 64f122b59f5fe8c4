import { readFile } from "node:fs/promises";
import { extname } from "node:path";
import { type EngineConfig, parseEngineConfig } from "@weir/config";
import { parse as parseYaml } from "yaml";

/**
 * Reads an engine config file: `.json` as JSON, anything else as YAML (a superset of JSON).
 * Throws an error naming the file and, for an invalid config, every issue with its field path.
 */
export async function loadConfigFile(path: string): Promise<EngineConfig> {
  const text = await readFile(path, "utf8");
  let data: unknown;
  try {
    data = extname(path).toLowerCase() === ".json" ? JSON.parse(text) : parseYaml(text, { prettyErrors: true });
  } catch (err) {
    throw Object.assign(
      new Error(`${path}: not valid ${extname(path) === ".json" ? "JSON" : "YAML"}: ${(err as Error).message}`),
      {
        code: "WEIR_E_INVALID_CONFIG",
        issues: [(err as Error).message],
      },
    );
  }
  return parseEngineConfig(data);
}
