import { chmod, mkdir, readFile, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { createTRPCClient, httpLink, TRPCClientError } from "@trpc/client";
import type { AppRouter } from "@weir/api";

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
