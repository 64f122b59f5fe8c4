import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApi, type TestApi } from "./support";

/**
 * Throws thousands of malformed requests, derived from the OpenAPI document, at every REST
 * operation: wrong types, missing and unknown fields, out-of-range numbers, oversized strings and
 * payloads, broken JSON, odd path parameters. Every answer must be a 4xx JSON error with a Weir
 * code (never a 500), and the database must be exactly as it was.
 */
interface JsonSchema {
  type?: string | string[];
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  enum?: unknown[];
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  format?: string;
  pattern?: string;
}

interface Operation {
  method: string;
  path: string;
  pathParams: string[];
  body: JsonSchema | undefined;
}

interface BadRequest {
  label: string;
  path: string;
  body?: string;
  contentType?: string;
}

const WRONG_VALUES: unknown[] = [
  null,
  0,
  -1,
  1.5,
  1e308,
  "",
  "x".repeat(5000),
  "NaN",
  "<script>",
  [],
  [1, 2],
  {},
  { $gt: "" },
  true,
  false,
];
const ODD_IDS = ["%00", "..%2F..%2Fetc%2Fpasswd", "x".repeat(300), "%F0%9F%92%A3", "'%20OR%201=1--", "%20"];
const BROKEN_JSON = [
  "{",
  '{"a":',
  "nul",
  "[1,",
  '{"__proto__":{"role":"admin"}}',
  '"just a string"',
  "12",
  "null",
  "[]",
];

/** Deterministic pseudo-random values (mulberry32), so a failure reproduces. */
function rng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ALPHABET = [
  "a",
  "Z",
  "0",
  " ",
  "-",
  "_",
  ".",
  "@",
  "/",
  "\\",
  '"',
  "'",
  "%",
  "\u0000",
  "\n",
  "é",
  "漢",
  "🙂",
  "\u202e",
  "$",
  "{",
  "}",
];

function randomValue(next: () => number, depth = 0): unknown {
  const pick = Math.floor(next() * (depth > 1 ? 6 : 8));
  switch (pick) {
    case 0:
      return null;
    case 1:
      return next() < 0.5
        ? Math.floor((next() - 0.5) * 2 ** (next() * 60))
        : (next() - 0.5) * 10 ** Math.floor(next() * 20);
    case 2:
      return next() < 0.5;
    case 3:
    case 4:
    case 5: {
      const length = Math.floor(next() ** 3 * 400);
      let text = "";
      for (let i = 0; i < length; i++) text += ALPHABET[Math.floor(next() * ALPHABET.length)];
      return text;
    }
    case 6:
      return Array.from({ length: Math.floor(next() * 4) }, () => randomValue(next, depth + 1));
    default:
      return Object.fromEntries(
        Array.from({ length: Math.floor(next() * 4) }, (_, i) => [`k${i}`, randomValue(next, depth + 1)]),
      );
  }
}

const RANDOM_VALUES_PER_FIELD = 40;

function sampleFor(schema: JsonSchema): unknown {
  if (schema.enum) return schema.enum[0];
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case "string":
      return schema.format === "email" ? "fuzz@weir.test" : "a".repeat(Math.max(1, schema.minLength ?? 1));
    case "integer":
    case "number":
      return Math.max(1, schema.minimum ?? 1);
    case "boolean":
      return true;
    case "array":
      return [];
    default:
      return {};
  }
}

/**
 * Whether `value` might pass `schema`: mutations that happen to be valid are not bad input. Text
 * fields trim surrounding whitespace, which the JSON schema does not say, so a string counts as
 * acceptable when either it or its trimmed form fits.
 */
function accepts(schema: JsonSchema, value: unknown): boolean {
  if (typeof value === "string" && value.trim() !== value && acceptsExactly(schema, value.trim())) return true;
  return acceptsExactly(schema, value);
}

function acceptsExactly(schema: JsonSchema, value: unknown): boolean {
  const branches = schema.anyOf ?? schema.oneOf;
  if (branches) return branches.some((branch) => acceptsExactly(branch, value));
  if (schema.enum) return schema.enum.includes(value);
  const types = Array.isArray(schema.type) ? schema.type : [schema.type];
  return types.some((type) => {
    switch (type) {
      case "string":
        return (
          typeof value === "string" &&
          value.length >= (schema.minLength ?? 0) &&
          value.length <= (schema.maxLength ?? Number.POSITIVE_INFINITY) &&
          (schema.format !== "email" || /^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(value)) &&
          (schema.pattern === undefined || new RegExp(schema.pattern).test(value))
        );
      case "integer":
      case "number":
        return (
          typeof value === "number" &&
          (type === "number" || Number.isInteger(value)) &&
          value >= (schema.minimum ?? Number.NEGATIVE_INFINITY) &&
          value <= (schema.maximum ?? Number.POSITIVE_INFINITY)
        );
      case "boolean":
        return typeof value === "boolean";
      case "null":
        return value === null;
      // Nested objects and arrays have defaults for what they leave out: any one might be valid.
      case "object":
        return typeof value === "object" && value !== null && !Array.isArray(value);
      case "array":
        return Array.isArray(value);
      default:
        return false;
    }
  });
}

function badRequestsFor(operation: Operation): BadRequest[] {
  const requests: BadRequest[] = [];
  const fillPath = (overrides: Record<string, string> = {}) =>
    operation.pathParams.reduce(
      (path, name) => path.replace(`{${name}}`, overrides[name] ?? "no-such-id"),
      operation.path,
    );

  for (const name of operation.pathParams) {
    for (const odd of ODD_IDS)
      requests.push({ label: `path ${name}=${odd.slice(0, 20)}`, path: fillPath({ [name]: odd }) });
  }
  const path = fillPath();
  if (!operation.body) {
    requests.push({ label: "unknown query parameter", path: `${path}?unexpected=1` });
    requests.push({ label: "array query parameter", path: `${path}?limit=1&limit=2&limit[]=x` });
    return requests;
  }

  const schema = operation.body;
  const properties = schema.properties ?? {};
  const base: Record<string, unknown> = {};
  for (const name of schema.required ?? []) {
    const property = properties[name];
    if (property) base[name] = sampleFor(property);
  }
  // Unless an operation is meant to succeed on sample input, make the base itself wrong in one way
  // (below), so every request is bad input by construction.
  for (const wrong of [null, [], "text", 42, true])
    requests.push({ label: `body ${JSON.stringify(wrong)}`, path, body: JSON.stringify(wrong) });
  for (const text of BROKEN_JSON) requests.push({ label: `broken JSON ${text}`, path, body: text });
  requests.push({ label: "text/plain body", path, body: "name=x", contentType: "text/plain" });
  requests.push({ label: "unknown field", path, body: JSON.stringify({ ...base, unexpected: 1 }) });
  requests.push({
    label: "oversized payload",
    path,
    body: JSON.stringify({ ...base, padding: "x".repeat(2 * 1024 * 1024) }),
  });
  for (const name of schema.required ?? []) {
    const { [name]: _removed, ...rest } = base;
    requests.push({ label: `missing ${name}`, path, body: JSON.stringify(rest) });
  }
  const next = rng(operation.path.length * 31 + operation.method.length);
  for (const [name, property] of Object.entries(properties)) {
    const candidates = [...WRONG_VALUES, ...Array.from({ length: RANDOM_VALUES_PER_FIELD }, () => randomValue(next))];
    for (const value of candidates) {
      if (accepts(property, value)) continue;
      requests.push({
        label: `${name}=${JSON.stringify(value).slice(0, 20)}`,
        path,
        body: JSON.stringify({ ...base, [name]: value }),
      });
    }
  }
  // Whole bodies of random junk.
  for (let i = 0; i < 20; i++) {
    const junk = randomValue(next);
    if (junk && typeof junk === "object" && !Array.isArray(junk) && Object.keys(junk).length > 0)
      requests.push({ label: "random object", path, body: JSON.stringify(junk) });
  }
  return requests;
}

async function digest(api: TestApi): Promise<string> {
  const rows = await api.db.$queryRawUnsafe<Array<{ digest: string }>>(`
    SELECT md5(string_agg(part, '|' ORDER BY part)) AS digest FROM (
      SELECT 'u' || md5(string_agg(t::text, ',' ORDER BY id)) AS part FROM users t
      UNION ALL SELECT 't' || md5(string_agg((t.id, t.name, t.role, t.revoked_at_text)::text, ',' ORDER BY id))
        FROM (SELECT id, name, role, "revokedAt"::text AS revoked_at_text FROM api_tokens) t
      UNION ALL SELECT 'e' || md5(coalesce(string_agg(t::text, ',' ORDER BY id), '')) FROM agent_enrollment_tokens t
      UNION ALL SELECT 'p' || md5(coalesce(string_agg(t::text, ',' ORDER BY id), '')) FROM pools t
      UNION ALL SELECT 'b' || md5(coalesce(string_agg(t::text, ',' ORDER BY id), '')) FROM backends t
      UNION ALL SELECT 'l' || md5(coalesce(string_agg(t::text, ',' ORDER BY id), '')) FROM listeners t
      UNION ALL SELECT 'r' || md5(coalesce(string_agg(t::text, ',' ORDER BY id), '')) FROM routes t
      UNION ALL SELECT 'c' || md5(coalesce(string_agg(t::text, ',' ORDER BY number), '')) FROM config_versions t
      UNION ALL SELECT 'a' || count(*)::text FROM audit_events
    ) parts`);
  return rows[0]?.digest ?? "";
}

describe("fuzzing the REST API with bad input", () => {
  let api: TestApi;
  let token: string;
  let operations: Operation[];
  beforeAll(async () => {
    api = await startTestApi();
    token = (await api.as("admin").tokens.create({ name: "fuzzer", role: "admin" })).token;
    const document = (await (await fetch(`${api.baseUrl}/api/v1/openapi.json`)).json()) as {
      paths: Record<
        string,
        Record<
          string,
          {
            parameters?: Array<{ in: string; name: string }>;
            requestBody?: { content: Record<string, { schema: JsonSchema }> };
          }
        >
      >;
    };
    operations = Object.entries(document.paths).flatMap(([path, item]) =>
      Object.entries(item).map(([method, operation]) => ({
        method: method.toUpperCase(),
        path,
        pathParams: (operation.parameters ?? [])
          .filter((parameter) => parameter.in === "path")
          .map((parameter) => parameter.name),
        body: operation.requestBody?.content["application/json"]?.schema,
      })),
    );
    // Warm the token's lastUsedAt so the fuzz run itself changes nothing.
    await fetch(`${api.baseUrl}/api/v1/auth/me`, { headers: { authorization: `Bearer ${token}` } });
  });
  afterAll(async () => {
    await api.close();
  });

  it("answers every bad request with a coded 4xx and leaves the database untouched", async () => {
    const before = await digest(api);
    const failures: string[] = [];
    let sent = 0;
    for (const operation of operations) {
      for (const request of badRequestsFor(operation)) {
        // Two rounds: as the admin (validation is what stops it) and anonymously (auth does).
        for (const authorization of [`Bearer ${token}`, undefined]) {
          const response = await fetch(`${api.baseUrl}/api/v1${request.path}`, {
            method: operation.method,
            headers: {
              ...(authorization ? { authorization } : {}),
              ...(request.body !== undefined ? { "content-type": request.contentType ?? "application/json" } : {}),
            },
            ...(request.body !== undefined ? { body: request.body } : {}),
          });
          sent++;
          const text = await response.text();
          let code: unknown;
          try {
            code = (JSON.parse(text) as { code?: string }).code;
          } catch {
            code = undefined;
          }
          if (response.status < 400 || response.status >= 500 || typeof code !== "string") {
            failures.push(
              `${operation.method} ${request.path.slice(0, 60)} [${request.label}] ${authorization ? "admin" : "anon"} → ${response.status} ${text.slice(0, 160)}`,
            );
          }
        }
      }
    }
    console.info(`fuzz: ${sent} bad requests`);
    expect(sent).toBeGreaterThan(1000);
    expect(failures).toEqual([]);
    expect(await digest(api)).toBe(before);
  });
});
