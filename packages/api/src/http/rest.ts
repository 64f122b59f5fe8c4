import type { IncomingMessage, ServerResponse } from "node:http";
import { createOpenApiHttpHandler, generateOpenApiDocument } from "trpc-to-openapi";
import { type ContextDeps, createHttpContextFactory } from "../context";
import { appRouter } from "../router";
import { renderApiDocs } from "./api-docs";

export const REST_PREFIX = "/api/v1";
const MAX_BODY_BYTES = 1024 * 1024;

/**
 * `/api/v1`: REST for scripts, generated from the same tRPC procedures the dashboard calls (their
 * `meta.openapi`), so the two APIs cannot drift apart. Also serves the OpenAPI 3 document at
 * `/api/v1/openapi.json` and a readable reference at `/api/v1/docs`.
 */
export function createRestHandler(deps: ContextDeps & { version: string; onError?: (error: unknown) => void }) {
  const document = generateOpenApiDocument(appRouter, {
    title: "Weir API",
    version: deps.version,
    baseUrl: REST_PREFIX,
    description:
      "Manage Weir's pools, backends, listeners, rollouts and scaling rules. Authenticate with `Authorization: Bearer <API token>` (create one in Settings → API tokens or with `weirctl login`).",
    securitySchemes: { bearer: { type: "http", scheme: "bearer", description: "An API token (weir_pat_…)" } },
  });
  const documentJson = JSON.stringify(document);
  const docsHtml = renderApiDocs(document);
  const handle = createOpenApiHttpHandler({
    router: appRouter,
    createContext: createHttpContextFactory(deps),
    maxBodySize: MAX_BODY_BYTES,
    onError: ({ error }) => {
      if (error.code === "INTERNAL_SERVER_ERROR") deps.onError?.(error);
    },
    responseMeta: ({ errors }) => {
      const retryAfter = errors
        .map((error) => (error as { details?: { retryAfterSeconds?: number } }).details?.retryAfterSeconds)
        .find((seconds) => seconds !== undefined);
      return retryAfter === undefined ? {} : { headers: { "retry-after": String(retryAfter) } };
    },
  });

  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = req.url ?? "/";
    const path = url.split("?", 1)[0];
    if (path === `${REST_PREFIX}/openapi.json`) {
      res.writeHead(200, { "content-type": "application/json; charset=utf-8" });
      res.end(documentJson);
      return;
    }
    if (path === `${REST_PREFIX}/docs` || path === `${REST_PREFIX}/docs/`) {
      res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
      res.end(docsHtml);
      return;
    }
    req.url = url.slice(REST_PREFIX.length) || "/";
    await handle(req, res);
  };
}
