import { openSchemaEngine } from "./engine";

const FILTERS = { externalTables: [], externalEnums: [] };

/**
 * The SQL that takes a database from schema `from` (undefined = empty database) to schema `to`.
 * Returns "" when the two describe the same database. Needs a reachable Postgres at `url` only
 * because the engine checks the server version when it starts; the diff itself reads no tables.
 */
export async function diffSchemas(options: { url: string; from: string | undefined; to: string }): Promise<string> {
  const handle = await openSchemaEngine({ url: options.url });
  try {
    const result = await handle.engine.diff({
      from:
        options.from === undefined
          ? { tag: "empty" }
          : { tag: "schemaDatamodel", files: [{ path: "from.prisma", content: options.from }] },
      to: { tag: "schemaDatamodel", files: [{ path: "schema.prisma", content: options.to }] },
      script: true,
      exitCode: null,
      filters: FILTERS,
    });
    return isEmptyScript(result.stdout ?? "") ? "" : (result.stdout ?? "");
  } finally {
    await handle.close();
  }
}

/** The engine answers an empty diff with a comment-only script. */
function isEmptyScript(sql: string): boolean {
  return sql
    .split("\n")
    .map((line) => line.trim())
    .every((line) => line === "" || line.startsWith("--"));
}
