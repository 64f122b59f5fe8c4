/**
 * weirctl: Weir from the command line, on the same typed API the dashboard uses.
 * Run `weirctl help` for the commands.
 */
import { createInterface } from "node:readline/promises";
import { parseArgs } from "node:util";
import {
  CliError,
  type Client,
  createClient,
  describeError,
  loadCredentials,
  required,
  saveCredentials,
} from "./client";
import { planApply, readManifest } from "./commands/apply";
import { rollouts } from "./commands/rollouts";
import { scaling } from "./commands/scaling";
import { type Format, parseFormat, print } from "./output";

const HELP = `weirctl: manage Weir from the command line

  weirctl login --url <control plane> [--email <email>] [--token <api token>]
  weirctl pools ls|get <pool>|create <pool> [--algorithm <a>]|delete <pool>
  weirctl backends add <pool> <host:port> [--weight N] [--version v1]
  weirctl backends weight <pool> <host:port> <N>
  weirctl backends drain|enable|disable|rm <pool> <host:port>
  weirctl versions ls | diff <from> <to> | revert <number>
  weirctl rollouts ls [<pool>] | get <id> | create -f <rollout.yaml> | watch <id>
  weirctl rollouts start|pause|resume|abort|retry|rollback <id>
  weirctl rollouts promote <id> [--full]
  weirctl scaling ls [<pool>] | get <id> | create -f <rule.yaml> | edit <id> -f <rule.yaml>
  weirctl scaling enable|disable|decisions <id>
  weirctl apply -f <pools.yaml> [--dry-run]
  weirctl get pools|pool <name>|versions|agents [-o json|yaml|table]

The control plane and token come from \`weirctl login\` (~/.config/weir/weirctl.json), or from
WEIR_URL and WEIR_TOKEN.`;

async function main(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      url: { type: "string" },
      email: { type: "string" },
      token: { type: "string" },
      algorithm: { type: "string" },
      weight: { type: "string" },
      version: { type: "string" },
      file: { type: "string", short: "f" },
      output: { type: "string", short: "o" },
      "dry-run": { type: "boolean" },
      full: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
  const [command, sub, ...args] = positionals;
  if (!command || command === "help" || values.help) {
    process.stdout.write(`${HELP}\n`);
    return command || values.help ? 0 : 2;
  }
  if (command === "login") return login(values);

  const client = createClient(await loadCredentials());
  const format = parseFormat(values.output);
  switch (command) {
    case "pools":
      return pools(client, sub, args, values, format);
    case "backends":
      return backends(client, sub, args, values);
    case "versions":
      return versions(client, sub, args, format);
    case "rollouts":
      return rollouts(client, sub, args, values, format);
    case "scaling":
      return scaling(client, sub, args, values, format);
    case "apply":
      return apply(client, values.file, values["dry-run"] ?? false);
    case "get":
      return get(client, sub, args, format === "table" ? "yaml" : format);
    default:
      throw new CliError(`Unknown command ${command}. Run \`weirctl help\`.`, 2);
  }
}

async function login(values: {
  url?: string | undefined;
  email?: string | undefined;
  token?: string | undefined;
}): Promise<number> {
  const url = (values.url ?? process.env.WEIR_URL ?? "http://localhost:3000").replace(/\/$/, "");
  let token = values.token;
  if (!token) {
    const rl = createInterface({ input: process.stdin, output: process.stderr });
    const email = values.email ?? (await rl.question("Email: "));
    const password = await rl.question("Password: ");
    rl.close();
    const signIn = await fetch(`${url}/api/v1/auth/sign-in`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email, password }),
    });
    const body = (await signIn.json()) as { code?: string; message?: string; user?: { role: string } };
    if (!signIn.ok) throw new CliError(`${body.code}: ${body.message}`);
    const cookie = signIn.headers.get("set-cookie")?.split(";")[0] ?? "";
    const created = await fetch(`${url}/api/v1/tokens`, {
      method: "POST",
      headers: { "content-type": "application/json", cookie },
      body: JSON.stringify({
        name: `weirctl on ${process.env.HOSTNAME ?? "this machine"}`,
        role: body.user?.role ?? "viewer",
        expiresInDays: 90,
      }),
    });
    const result = (await created.json()) as { token?: string; code?: string; message?: string };
    if (!created.ok || !result.token) throw new CliError(`${result.code}: ${result.message}`);
    token = result.token;
    await fetch(`${url}/api/v1/auth/sign-out`, {
      method: "POST",
      headers: { "content-type": "application/json", cookie },
      body: "{}",
    });
  }
  const me = await createClient({ url, token }).auth.me.query();
  const path = await saveCredentials({ url, token });
  process.stdout.write(`Logged in to ${url} as ${me.user.email} (${me.user.role}); token saved in ${path}.\n`);
  return 0;
}

async function pools(
  client: Client,
  sub: string | undefined,
  args: string[],
  values: { algorithm?: string | undefined },
  format: Format,
) {
  const [name] = args;
  switch (sub) {
    case "ls":
    case undefined: {
      const list = await client.pools.list.query();
      print(list, format, () => [
        ["NAME", "ALGORITHM", "BACKENDS", "VERSIONS"],
        ...list.map((pool) => [
          pool.name,
          pool.algorithm,
          `${pool.backends.active}/${pool.backends.total}`,
          pool.versions.join(","),
        ]),
      ]);
      return 0;
    }
    case "get": {
      const pool = await client.pools.get.query({ id: required(name, "pool") });
      print(pool, format === "table" ? "yaml" : format, () => []);
      return 0;
    }
    case "create": {
      const algorithm = values.algorithm as Parameters<Client["pools"]["create"]["mutate"]>[0]["algorithm"];
      const result = await client.pools.create.mutate({
        name: required(name, "pool"),
        ...(algorithm ? { algorithm } : {}),
      });
      process.stdout.write(`pool ${result.item.name} created (config version ${result.configVersion})\n`);
      return 0;
    }
    case "delete": {
      const pool = await client.pools.get.query({ id: required(name, "pool") });
      const result = await client.pools.delete.mutate({ id: pool.id, version: pool.version });
      process.stdout.write(`pool ${pool.name} deleted (config version ${result.configVersion})\n`);
      return 0;
    }
    default:
      throw new CliError(`Unknown pools command ${sub}.`, 2);
  }
}

async function backends(
  client: Client,
  sub: string | undefined,
  args: string[],
  values: { weight?: string | undefined; version?: string | undefined },
) {
  const [poolName, address, weight] = args;
  const pool = await client.pools.get.query({ id: required(poolName, "pool") });
  const [host, port] = splitAddress(required(address, "host:port"));
  if (sub === "add") {
    const result = await client.backends.add.mutate({
      poolId: pool.id,
      host,
      port,
      ...(values.weight ? { weight: Number(values.weight) } : {}),
      ...(values.version ? { versionLabel: values.version } : {}),
    });
    process.stdout.write(`backend ${host}:${port} added to ${pool.name} (config version ${result.configVersion})\n`);
    return 0;
  }
  const backend = pool.backends.find((candidate) => candidate.host === host && candidate.port === port);
  if (!backend) throw new CliError(`Pool ${pool.name} has no backend ${host}:${port}.`);
  const ref = { id: backend.id, version: backend.version };
  let configVersion: number;
  switch (sub) {
    case "weight":
      configVersion = (await client.backends.update.mutate({ ...ref, weight: Number(required(weight, "weight")) }))
        .configVersion;
      break;
    case "drain":
    case "enable":
    case "disable":
      configVersion = (await client.backends[sub].mutate(ref)).configVersion;
      break;
    case "rm":
      configVersion = (await client.backends.remove.mutate(ref)).configVersion;
      break;
    default:
      throw new CliError(`Unknown backends command ${sub}.`, 2);
  }
  process.stdout.write(`${pool.name} ${host}:${port}: ${sub} done (config version ${configVersion})\n`);
  return 0;
}

async function versions(client: Client, sub: string | undefined, args: string[], format: Format) {
  switch (sub) {
    case "ls":
    case undefined: {
      const page = await client.versions.list.query({ limit: 20 });
      print(page.items, format, () => [
        ["VERSION", "WHEN", "BY", "SUMMARY"],
        ...page.items.map((version) => [
          String(version.number),
          version.createdAt,
          version.createdBy ?? "",
          version.summary,
        ]),
      ]);
      return 0;
    }
    case "diff": {
      const diff = await client.versions.diff.query({
        from: Number(required(args[0], "from")),
        to: Number(required(args[1], "to")),
      });
      if (format !== "table") print(diff, format, () => []);
      else if (diff.changes.length === 0) process.stdout.write("No differences.\n");
      else {
        for (const change of diff.changes) {
          const sign = change.kind === "added" ? "+" : change.kind === "removed" ? "-" : "~";
          const detail =
            change.kind === "changed"
              ? `${JSON.stringify(change.before)} → ${JSON.stringify(change.after)}`
              : JSON.stringify(change.after ?? change.before);
          process.stdout.write(`${sign} ${change.path}: ${detail}\n`);
        }
      }
      return 0;
    }
    case "revert": {
      const result = await client.versions.revert.mutate({ number: Number(required(args[0], "version number")) });
      process.stdout.write(`reverted to version ${result.item.revertedTo} as version ${result.configVersion}\n`);
      return 0;
    }
    default:
      throw new CliError(`Unknown versions command ${sub}.`, 2);
  }
}

async function apply(client: Client, file: string | undefined, dryRun: boolean): Promise<number> {
  const manifest = await readManifest(required(file, "-f <file>"));
  const steps = await planApply(client, manifest);
  if (steps.length === 0) {
    process.stdout.write("No changes.\n");
    return 0;
  }
  for (const step of steps) process.stdout.write(`${step.line}\n`);
  if (dryRun) {
    process.stdout.write(`${steps.length} change(s) planned; --dry-run: nothing applied.\n`);
    return 0;
  }
  for (const step of steps) await step.run();
  process.stdout.write(`${steps.length} change(s) applied.\n`);
  return 0;
}

async function get(client: Client, what: string | undefined, args: string[], format: Format) {
  const value =
    what === "pools"
      ? await Promise.all((await client.pools.list.query()).map((pool) => client.pools.get.query({ id: pool.id })))
      : what === "pool"
        ? await client.pools.get.query({ id: required(args[0], "pool") })
        : what === "versions"
          ? (await client.versions.list.query({ limit: 100 })).items
          : what === "agents"
            ? await client.agents.list.query()
            : undefined;
  if (value === undefined) throw new CliError("get what? pools, pool <name>, versions or agents.", 2);
  print(value, format, () => []);
  return 0;
}

function splitAddress(address: string): [string, number] {
  const at = address.lastIndexOf(":");
  const port = Number(address.slice(at + 1));
  if (at <= 0 || !Number.isInteger(port)) throw new CliError(`${address}: expected host:port`, 2);
  return [address.slice(0, at), port];
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`weirctl: ${describeError(error)}\n`);
    process.exit(error instanceof CliError ? error.exitCode : 1);
  },
);
