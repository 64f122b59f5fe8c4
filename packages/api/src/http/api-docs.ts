import type { OpenAPIObject } from "trpc-to-openapi";

const METHODS = ["get", "post", "put", "patch", "delete"] as const;

/**
 * A self-contained HTML reference of the OpenAPI document: every operation with its method,
 * path, summary, parameters and request/response schemas. No CDN, no script: it works offline
 * and behind strict content security policies.
 */
export function renderApiDocs(document: OpenAPIObject): string {
  const sections: string[] = [];
  for (const [path, item] of Object.entries(document.paths ?? {})) {
    for (const method of METHODS) {
      const operation = (item as Record<string, unknown>)[method] as
        | {
            summary?: string;
            tags?: string[];
            parameters?: unknown[];
            requestBody?: unknown;
            responses?: Record<string, unknown>;
            security?: unknown[];
          }
        | undefined;
      if (!operation) continue;
      const body = (operation.requestBody as { content?: Record<string, { schema?: unknown }> } | undefined)?.content?.[
        "application/json"
      ]?.schema;
      const ok = (operation.responses?.["200"] as { content?: Record<string, { schema?: unknown }> } | undefined)
        ?.content?.["application/json"]?.schema;
      sections.push(`<section id="${escapeHtml(`${method}-${path}`)}">
  <h3><span class="method ${method}">${method.toUpperCase()}</span> <code>/api/v1${escapeHtml(path)}</code></h3>
  <p>${escapeHtml(operation.summary ?? "")}</p>
  ${operation.parameters?.length ? `<h4>Parameters</h4><pre>${escapeHtml(JSON.stringify(operation.parameters, null, 2))}</pre>` : ""}
  ${body ? `<h4>Request body (JSON)</h4><pre>${escapeHtml(JSON.stringify(body, null, 2))}</pre>` : ""}
  ${ok ? `<h4>Response 200</h4><pre>${escapeHtml(JSON.stringify(ok, null, 2))}</pre>` : ""}
</section>`);
    }
  }
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(document.info.title)} ${escapeHtml(document.info.version)}</title>
<style>
body{font-family:system-ui,sans-serif;max-width:960px;margin:2rem auto;padding:0 1rem;line-height:1.5;color-scheme:light dark}
pre{background:#8881;padding:.75rem;overflow:auto;border-radius:6px;font-size:.85rem}
.method{display:inline-block;min-width:4.5rem;font-size:.8rem;padding:.1rem .4rem;border-radius:4px;color:#fff;background:#555;text-align:center}
.get{background:#1f6feb}.post{background:#238636}.patch{background:#9a6700}.put{background:#9a6700}.delete{background:#cf222e}
section{border-top:1px solid #8884;padding-top:.5rem}
</style></head><body>
<h1>${escapeHtml(document.info.title)} <small>${escapeHtml(document.info.version)}</small></h1>
<p>${escapeHtml(document.info.description ?? "")}</p>
<p>Machine-readable: <a href="/api/v1/openapi.json">/api/v1/openapi.json</a> (OpenAPI ${escapeHtml(document.openapi)}). Errors are JSON: <code>{"message", "code", "data": {"weirCode", "field"}}</code>; see docs/api.md.</p>
${sections.join("\n")}
</body></html>`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}
