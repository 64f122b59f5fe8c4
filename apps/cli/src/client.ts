import { chmod, mkdir, readFile, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { createTRPCClient, httpLink, TRPCClientError } from "@trpc/client";
import type { AppRouter } from "@weir/api";
import { parse } from "yaml";

export type Client = ReturnType<typeof createTRPCClient<AppRouter>>;

export interface Credentials {
  url: string;
  token: string;
}

/** Where `weirctl login` keeps the control plane's address and the API token (mode 0600). */
export function credentialsPath(env: NodeJS.ProcessEnv = process.env): string {
  return env.WEIRCTL_CONFIG ?? join(env.XDG_CONFIG_HOME ?? join(homedir(), ".config"), "weir", "weirctl.json");
}

export async function saveCredentials(credentials: Credentials, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const path = credentialsPath(env);
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  await writeFile(path, `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600 });
  await chmod(path, 0o600);
  return path;
}

/** WEIR_URL and WEIR_TOKEN win over the saved login, so scripts need no file. */
export async function loadCredentials(env: NodeJS.ProcessEnv = process.env): Promise<Credentials> {
  let saved: Partial<Credentials> = {};
  try {
    saved = JSON.parse(await readFile(credentialsPath(env), "utf8")) as Partial<Credentials>;
  } catch {
    // No saved login: the environment must say everything.
  }
  const url = env.WEIR_URL || saved.url;
  const token = env.WEIR_TOKEN || saved.token;
  if (!url || !token) {
    throw new CliError("Not logged in: run `weirctl login --url <control plane>`, or set WEIR_URL and WEIR_TOKEN.");
  }
  return { url, token };
}

export function createClient(credentials: Credentials): Client {
  return createTRPCClient<AppRouter>({
    links: [
      httpLink({
        url: `${credentials.url.replace(/\/$/, "")}/api/trpc`,
        headers: { authorization: `Bearer ${credentials.token}` },
      }),
    ],
  });
}

/** A failure to report in one line and exit 1 (2 for usage). */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

/** The API's own words: "WEIR_E_CONFLICT: Pool web was changed by someone else…". */
export function describeError(error: unknown): string {
  if (error instanceof TRPCClientError) {
    const data = error.data as { weirCode?: string } | undefined;
    return `${data?.weirCode ?? "error"}: ${error.message}`;
  }
  if (error instanceof CliError) return error.message;
  const cause = (error as { cause?: { code?: string } }).cause;
  if (cause?.code === "ECONNREFUSED") return `Cannot reach the control plane (${cause.code}).`;
  return (error as Error).message;
}

/** A positional argument or flag the command cannot do without; usage error (exit 2) when missing. */
export function required(value: string | undefined, what: string): string {
  if (value === undefined || value === "") throw new CliError(`Missing ${what}. Run \`weirctl help\`.`, 2);
  return value;
}

/**
 * A definition file (rollout, scaling rule): a YAML mapping whose `pool` (or `poolId`) names the
 * pool by name or id; the rest are the API's fields. Returns the pool reference and the fields.
 */
export async function readPoolFile(
  file: string,
): Promise<{ pool: string | undefined; fields: Record<string, unknown> }> {
  let spec: unknown;
  try {
    spec = parse(await readFile(file, "utf8"));
  } catch (error) {
    throw new CliError(`${file}: ${(error as Error).message}`, 2);
  }
  if (spec === null || typeof spec !== "object" || Array.isArray(spec))
    throw new CliError(`${file}: expected a YAML mapping`, 2);
  const { pool, poolId, ...fields } = spec as Record<string, unknown>;
  const ref = pool ?? poolId;
  return { pool: typeof ref === "string" ? ref : undefined, fields };
}
