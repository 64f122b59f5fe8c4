import type { IncomingMessage, ServerResponse } from "node:http";
import { getErrorShape, getTRPCErrorFromUnknown } from "@trpc/server";
import { getHTTPStatusCodeFromError } from "@trpc/server/http";
import { generateOpenApiDocument, type OpenApiMeta } from "trpc-to-openapi";
import { type ContextDeps, createHttpContextFactory } from "../context";
import { appRouter } from "../router";
import type { ErrorShape } from "../trpc";
import { createCallerFactory } from "../trpc";
import { renderApiDocs } from "./api-docs";

export const REST_PREFIX = "/api/v1";
const MAX_BODY_BYTES = 1024 * 1024;
const METHODS_WITH_BODY = new Set(["POST", "PUT", "PATCH"]);

interface Route {
  method: string;
  pattern: RegExp;
  params: string[];
  procedure: string;
}

/**
 * `/api/v1`: REST for scripts, generated from the same tRPC procedures the dashboard calls (their
 * `meta.openapi`), so the two APIs cannot drift apart; `/api/v1/openapi.json` is the OpenAPI 3
 * document and `/api/v1/docs` a readable reference.
 *
 * The dispatcher is ours: trpc-to-openapi's own handler turns on zod coercion in the shared input
 * schemas (mutating them, for tRPC too: `"false"` would become `true`) and answers malformed JSON
 * with a 500. Inputs here are exactly the JSON sent, path parameters and, for GET/DELETE, query
 * parameters (schemas coerce those explicitly where a number is expected).
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
  const routes = collectRoutes();
  const createContext = createHttpContextFactory(deps);
  const createCaller = createCallerFactory(appRouter);

  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? "/", "http://weir.invalid");
    const path = url.pathname.slice(REST_PREFIX.length) || "/";
    if (path === "/openapi.json") return send(res, 200, documentJson);
    if (path === "/docs" || path === "/docs/") {
      res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
      res.end(docsHtml);
      return;
    }

    const method = req.method ?? "GET";
    const matches = routes.filter((route) => route.pattern.test(path));
    const route = matches.find((candidate) => candidate.method === method);
    if (!route) {
      req.resume();
      if (matches.length > 0) {
        res.setHeader("allow", matches.map((candidate) => candidate.method).join(", "));
        return sendError(res, 405, "WEIR_E_NOT_FOUND", `${method} is not allowed on ${REST_PREFIX}${path}.`);
      }
      return sendError(
        res,
        404,
        "WEIR_E_NOT_FOUND",
        `No API route ${method} ${REST_PREFIX}${path}; see ${REST_PREFIX}/docs.`,
      );
    }

    let input: Record<string, unknown> = {};
    if (METHODS_WITH_BODY.has(method)) {
      const body = await readJsonObject(req, MAX_BODY_BYTES);
      if (!body.ok) return sendError(res, body.status, body.weirCode, body.message, "(body)");
      input = body.value;
    } else {
      req.resume();
      for (const [key, value] of url.searchParams) {
        if (key in input)
          return sendError(res, 400, "WEIR_E_INVALID_INPUT", `Query parameter ${key} is given twice.`, key);
        input[key] = value;
      }
    }
    const values = route.pattern.exec(path)?.slice(1) ?? [];
    for (const [index, name] of route.params.entries()) {
      try {
        input[name] = decodeURIComponent(values[index] ?? "");
      } catch {
        return sendError(
          res,
          400,
          "WEIR_E_INVALID_INPUT",
          `Path parameter ${name} is not valid percent-encoding.`,
          name,
        );
      }
    }

    const ctx = await createContext({ res });
    try {
      const procedure = route.procedure
        .split(".")
        .reduce<unknown>((node, key) => (node as Record<string, unknown>)[key], createCaller(ctx)) as (
        input: unknown,
      ) => Promise<unknown>;
      const data = await procedure(input);
      send(res, 200, JSON.stringify(data ?? null));
    } catch (cause) {
      const error = getTRPCErrorFromUnknown(cause);
      if (error.code === "INTERNAL_SERVER_ERROR") deps.onError?.(error);
      const shape = getErrorShape({
        config: appRouter._def._config,
        error,
        type: "unknown",
        path: route.procedure,
        input,
        ctx,
      }) as unknown as ErrorShape;
      const { code: _trpcCode, httpStatus: _status, path: _path, weirCode, ...details } = shape.data;
      if (details.retryAfterSeconds !== undefined) res.setHeader("retry-after", String(details.retryAfterSeconds));
      send(
        res,
        getHTTPStatusCodeFromError(error),
        JSON.stringify({ code: weirCode, message: shape.message, ...details }),
      );
    }
  };
}

function collectRoutes(): Route[] {
  const procedures = appRouter._def.procedures as unknown as Record<string, { _def: { meta?: OpenApiMeta } }>;
  return Object.entries(procedures)
    .flatMap(([name, procedure]) => {
      const openapi = procedure._def.meta?.openapi;
      if (!openapi || openapi.enabled === false) return [];
      const params: string[] = [];
      const pattern = openapi.path.replace(/[.*+?^$()|[\]\\]/g, "\\$&").replace(/\{(\w+)\}/g, (_, param: string) => {
        params.push(param);
        return "([^/]+)";
      });
      return [{ method: openapi.method, pattern: new RegExp(`^${pattern}/?$`), params, procedure: name }];
    })
    .sort((a, b) => a.params.length - b.params.length); // "/versions/diff" before "/versions/{number}"
}

type BodyResult =
  | { ok: true; value: Record<string, unknown> }
  | {
      ok: false;
      status: 400 | 413 | 415;
      weirCode: "WEIR_E_INVALID_INPUT" | "WEIR_E_PAYLOAD_TOO_LARGE";
      message: string;
    };

/** Reads a JSON object body of at most `limit` bytes; anything else is the caller's mistake. */
async function readJsonObject(req: IncomingMessage, limit: number): Promise<BodyResult> {
  const tooLarge = {
    ok: false,
    status: 413,
    weirCode: "WEIR_E_PAYLOAD_TOO_LARGE",
    message: `The request body is over the limit of ${limit} bytes.`,
  } as const;
  const contentType = (req.headers["content-type"] ?? "").split(";")[0]?.trim().toLowerCase();
  if (contentType !== "application/json") {
    req.resume();
    return {
      ok: false,
      status: 415,
      weirCode: "WEIR_E_INVALID_INPUT",
      message: "Send the body as JSON with content-type: application/json.",
    };
  }
  if (Number(req.headers["content-length"] ?? 0) > limit) {
    req.resume();
    return tooLarge;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) {
      req.resume();
      return tooLarge;
    }
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString("utf8");
  if (text.trim() === "") return { ok: true, value: {} };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return {
      ok: false,
      status: 400,
      weirCode: "WEIR_E_INVALID_INPUT",
      message: `The body is not valid JSON: ${(error as Error).message}`,
    };
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return { ok: false, status: 400, weirCode: "WEIR_E_INVALID_INPUT", message: "The body must be a JSON object." };
  }
  return { ok: true, value: value as Record<string, unknown> };
}

function send(res: ServerResponse, status: number, json: string): void {
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" });
  res.end(json);
}

function sendError(res: ServerResponse, status: number, code: string, message: string, field?: string): void {
  send(res, status, JSON.stringify({ code, message, ...(field ? { field } : {}) }));
}
