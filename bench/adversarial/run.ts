/**
 * `npm run adversarial -w @weir/bench`: issue 13 item 7's table (packages/proxy-engine/test/adversarial/cases.ts)
 * through Weir, NGINX and HAProxy, each in front of the same raw logging backend, and
 * `adversarial/results.md` with what the client got and what the backend received for each, the
 * cells that differ from Weir's marked. Not part of `npm test`: it installs Debian's `nginx-light`
 * and `haproxy` when they are missing (as root), and takes a few minutes.
 *
 * NGINX: `proxy_http_version 1.1`, keep-alive upstream, `Host $host`, and the WebSocket map from
 * its documentation (Upgrade and `Connection: upgrade` forwarded when the client sent Upgrade).
 * HAProxy: `mode http`, `http-reuse always`. Weir: the engine in this process, one route to one
 * pool, defaults everywhere (as the vitest suite runs it).
 *
 * The harness is the suite's (`observe.ts`), in its quiet mode: the case's bytes on one
 * connection, answers read until the proxy closes or is silent for QUIET_MS; if it is still open
 * (and no 101 came), the end marker `GET /end` (Connection: close) on it; then a fence request on
 * a fresh connection. Between cases the backend drops every connection (a smuggled leftover on a
 * pooled connection would otherwise show up in the next case) and a warm-up request goes through.
 *
 * Env: ADVERSARIAL_QUIET_MS (default 400), ADVERSARIAL_ONLY (comma list: weir,nginx,haproxy).
 */

import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createEngine } from "@weir/proxy-engine";
import { type AdversarialCase, CASES } from "../../packages/proxy-engine/test/adversarial/cases";
import {
  adversarialResponder,
  type Observation,
  observe,
  observeClient,
} from "../../packages/proxy-engine/test/adversarial/observe";
import { Cleanup } from "../../packages/proxy-engine/test/support/backends";
import { type LoggingBackend, startLoggingBackend } from "../../packages/proxy-engine/test/support/logging-backend";
import { ensureTools, nginxConf, start, stopAll, waitForPort, work } from "../proxy/lib";

const QUIET_MS = Number(process.env.ADVERSARIAL_QUIET_MS ?? 400);
const ONLY = process.env.ADVERSARIAL_ONLY?.split(",");
const RESULTS = fileURLToPath(new URL("./results.md", import.meta.url));

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

interface Proxy {
  readonly name: "weir" | "nginx" | "haproxy";
  readonly port: number;
  readonly version: string;
}

async function startWeir(cleanup: Cleanup, backend: LoggingBackend): Promise<Proxy> {
  const engine = createEngine({ drainTimeoutMs: 1_000 });
  cleanup.add(() => engine.close());
  await engine.apply({
    version: 1,
    listeners: [{ name: "web", bind: { host: "127.0.0.1", port: 0 }, routes: [{ name: "all", pool: "p" }] }],
    pools: [
      {
        name: "p",
        healthCheck: { type: "none" },
        backends: [{ id: "log", address: { host: "127.0.0.1", port: backend.port } }],
      },
    ],
  });
  const commit = execFileSync("git", ["rev-parse", "--short", "HEAD"], { encoding: "utf8" }).trim();
  return { name: "weir", port: engine.port("web"), version: `Weir (this tree, on ${commit}), Node ${process.version}` };
}

async function startNginx(path: string, backend: LoggingBackend): Promise<Proxy> {
  const port = await freePort();
  const conf = nginxConf(
    "nginx-adversarial",
    `map $http_upgrade $connection_upgrade { default upgrade; "" ""; }
  upstream b { server 127.0.0.1:${backend.port}; keepalive 16; }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://b;
      proxy_http_version 1.1;
      proxy_set_header Host $host;
      proxy_set_header Upgrade $http_upgrade;
      proxy_set_header Connection $connection_upgrade;
    }
  }`,
  );
  start(path, ["-c", conf]);
  await waitForPort(port);
  // `nginx -v` prints on stderr.
  const version = execFileSync("sh", ["-c", `"${path}" -v 2>&1`], { encoding: "utf8" }).trim();
  return { name: "nginx", port, version };
}

async function startHaproxy(path: string, backend: LoggingBackend): Promise<Proxy> {
  const port = await freePort();
  const cfg = join(work, "haproxy-adversarial.cfg");
  writeFileSync(
    cfg,
    `global
  nbthread 1
defaults
  mode http
  timeout connect 5s
  timeout client 30s
  timeout server 30s
  timeout tunnel 30s
  http-reuse always
frontend f
  bind 127.0.0.1:${port}
  default_backend b
backend b
  server s1 127.0.0.1:${backend.port}
`,
  );
  start(path, ["-f", cfg, "-db"]);
  await waitForPort(port);
  const version = execFileSync(path, ["-v"], { encoding: "utf8" }).split("\n")[0]?.trim() ?? "haproxy";
  return { name: "haproxy", port, version };
}

/**
 * A clean slate: the backend drops its connections (the proxy's pooled ones with them), then one
 * request must go through (retried while the proxy still finds a dropped connection), then the
 * log is emptied.
 */
async function reset(proxy: Proxy, backend: LoggingBackend): Promise<void> {
  for (const conn of backend.connections) conn.socket.destroy();
  for (let i = 0; ; i++) {
    const got = await observeClient(proxy.port, "GET /warm HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n", {
      expected: ["200 GET /warm", "closed"],
      timeoutMs: 2_000,
    });
    if (got[0] === "200 GET /warm") break;
    if (i === 20) throw new Error(`${proxy.name} does not answer a plain GET: ${got.join(", ")}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  // The proxy's pooled connections stay (a case may reuse one): their log starts afresh.
  const open = backend.connections.filter((c) => !c.closed);
  backend.connections.length = 0;
  for (const c of open) {
    c.received = "";
    c.requests.length = 0;
    backend.connections.push(c);
  }
  backend.requests.length = 0;
}

const same = (a: Observation, b: Observation) => JSON.stringify(a) === JSON.stringify(b);

function cell(o: Observation, differs: boolean): string {
  const esc = (s: string) => `\`${s.replaceAll("|", "\\|").replaceAll("`", "'")}\``;
  const client = o.client.map(esc).join(" ");
  const backend = o.backend.length === 0 ? "nothing" : o.backend.map(esc).join("<br>");
  return `${differs ? "**≠** " : ""}${client}<br>⇒ ${backend}`;
}

async function main(): Promise<void> {
  const tools = ensureTools(["nginx", "haproxy"]);
  const cleanup = new Cleanup();
  const backend = await startLoggingBackend(cleanup, adversarialResponder);
  const all: Proxy[] = [
    await startWeir(cleanup, backend),
    await startNginx(tools.nginx, backend),
    await startHaproxy(tools.haproxy, backend),
  ];
  const proxies = all.filter((p) => ONLY === undefined || ONLY.includes(p.name));
  const results = new Map<AdversarialCase, Map<string, Observation>>();
  try {
    for (const [i, k] of CASES.entries()) {
      const row = new Map<string, Observation>();
      for (const p of proxies) {
        await reset(p, backend);
        row.set(p.name, await observe(p.port, backend, k.send, { quietMs: QUIET_MS }));
      }
      results.set(k, row);
      const flags = proxies.map((p) => {
        const o = row.get(p.name) as Observation;
        const ref = p.name === "weir" ? { client: [...k.client], backend: [...k.backend] } : row.get("weir");
        return `${p.name}${ref !== undefined && same(o, ref) ? "" : "≠"}`;
      });
      console.log(`${String(i + 1).padStart(3)}/${CASES.length} ${k.category}: ${k.name}  [${flags.join(" ")}]`);
    }
  } finally {
    await cleanup.run();
    await stopAll();
  }
  writeFileSync(RESULTS, report(proxies, results));
  console.log(`wrote ${RESULTS}`);
}

function report(proxies: Proxy[], results: Map<AdversarialCase, Map<string, Observation>>): string {
  const names = proxies.map((p) => p.name);
  const differing = new Map(names.map((n) => [n, 0]));
  const weirUnexpected: string[] = [];
  const rows: string[] = [];
  let category = "";
  for (const [k, row] of results) {
    const weir = row.get("weir");
    if (weir !== undefined && !same(weir, { client: [...k.client], backend: [...k.backend] }))
      weirUnexpected.push(k.name);
    if (k.category !== category) {
      category = k.category;
      rows.push(`| **${category}** |${names.map(() => " |").join("")}`);
    }
    const cells = names.map((n) => {
      const o = row.get(n) as Observation;
      const differs = n !== "weir" && weir !== undefined && !same(o, weir);
      if (differs) differing.set(n, (differing.get(n) ?? 0) + 1);
      return cell(o, differs);
    });
    rows.push(`| ${k.name.replaceAll("|", "\\|")} | ${cells.join(" | ")} |`);
  }
  return `# Adversarial requests: Weir, NGINX and HAProxy

Written by \`npm run adversarial -w @weir/bench\` (\`bench/adversarial/run.ts\`) on ${new Date().toISOString().slice(0, 10)}; do not edit by hand.
The cases, their exact bytes and Weir's expected answers are in
[packages/proxy-engine/test/adversarial/cases.ts](../../packages/proxy-engine/test/adversarial/cases.ts);
\`npx vitest run --project @weir/proxy-engine\` checks Weir against them. Why Weir answers as it does:
[docs/proxy-engine.md, What the engine refuses](../../docs/proxy-engine.md#what-the-engine-refuses).

${proxies.map((p) => `- **${p.name}**: ${p.version}`).join("\n")}
- NGINX: \`proxy_http_version 1.1\`, upstream \`keepalive 16\`, \`proxy_set_header Host $host\`, Upgrade and
  \`Connection: upgrade\` forwarded when the client sent Upgrade (the map from NGINX's WebSocket docs).
- HAProxy: \`mode http\`, \`http-reuse always\`, defaults otherwise.
- Each proxy in front of the same raw logging backend (Node \`net\`, its own HTTP/1.1 parser: Content-Length or
  \`chunked\`, nothing else), which answers \`200\` with the request's method and target as the body, a 101 and an
  echo for \`/ws\`, a 101 to h2c for \`/ws-h2c\`, 426 for \`/ws-426\`.

How to read a cell: first what the client got on its connection, in order (\`200 GET /next\`: a 200 from the backend,
which names the request it answered; \`+end\`: the connection was still open, so the end marker
\`GET /end\` with \`Connection: close\` was sent on it; \`closed\`: the proxy closed the connection; \`open\`: still open
when the observation ended; \`raw "…"\`: bytes after a 101). After ⇒, every request the backend received, in order:
the request line (its version when not 1.1), Host, Content-Length, Transfer-Encoding and Upgrade as received (and any
spelling of them with \`_\`), and the body (de-chunked); \`incomplete "…"\`: bytes it could not read as a request;
\`tunnel "…"\`: bytes after a 101. **≠** marks a cell that differs from Weir's.

Cases: ${results.size}. Differing from Weir: ${names
    .filter((n) => n !== "weir")
    .map((n) => `${n} ${differing.get(n)}`)
    .join(", ")}. Weir against its expected answers in cases.ts: ${
    weirUnexpected.length === 0 ? "all as expected" : `**differs in ${weirUnexpected.join("; ")}**`
  }.

| case | ${names.join(" | ")} |
| --- |${names.map(() => " --- |").join("")}
${rows.join("\n")}
`;
}

await main();
