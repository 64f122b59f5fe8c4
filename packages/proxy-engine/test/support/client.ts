import { Agent, request } from "undici";

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A keep-alive HTTP client for tests; close it in afterEach. */
export class TestClient {
  readonly agent: Agent;
  constructor(connections = 16) {
    this.agent = new Agent({ connections, pipelining: 1, keepAliveTimeout: 10_000 });
  }

  async get(
    port: number,
    path = "/",
    headers: Record<string, string> = {},
    method = "GET",
    body?: string | Buffer,
  ): Promise<Answer> {
    const res = await request(`http://127.0.0.1:${port}${path}`, {
      method: method as "GET",
      headers,
      body,
      dispatcher: this.agent,
    });
    return { status: res.statusCode, headers: res.headers, body: await res.body.text() };
  }

  close(): Promise<void> {
    return this.agent.close();
  }
}

/** Polls until `check` returns true (a behaviour, not a duration, is asserted). */
export async function eventually(
  check: () => boolean | Promise<boolean>,
  timeoutMs = 10_000,
  stepMs = 20,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, stepMs));
  }
  throw new Error(`condition not met within ${timeoutMs} ms`);
}
