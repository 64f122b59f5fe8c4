import { readFile } from "node:fs/promises";
import { TRPCClientError } from "@trpc/client";
import { backendStateSchema } from "@weir/config";
import { createPoolInputSchema, hostSchema, portSchema, versionLabelSchema, weightSchema } from "@weir/config/api";
import { parse } from "yaml";
import { z } from "zod";
import { CliError, type Client } from "../client";

/** A pools file: each pool named is created or brought to what the file says, its backends included. */
export const manifestSchema = z.strictObject({
  pools: z.array(
    createPoolInputSchema.extend({
      backends: z
        .array(
          z.strictObject({
            /** host:port */
            address: z.string().regex(/^.+:\d{1,5}$/, "must be host:port"),
            weight: weightSchema.default(100),
            version: versionLabelSchema.default("v1"),
            state: backendStateSchema.default("active"),
          }),
        )
        .default([]),
    }),
  ),
});
type Manifest = z.output<typeof manifestSchema>;
type ManifestPool = Manifest["pools"][number];
type Pool = Awaited<ReturnType<Client["pools"]["get"]["query"]>>;

/** One step of a plan: what it says, and how to carry it out. */
interface Step {
  line: string;
  run: () => Promise<unknown>;
}

export async function readManifest(path: string): Promise<Manifest> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    throw new CliError(`Cannot read ${path}: ${(error as Error).message}`);
  }
  let document: unknown;
  try {
    document = parse(text);
  } catch (error) {
    throw new CliError(`${path} is not valid YAML: ${(error as Error).message}`);
  }
  const result = manifestSchema.safeParse(document);
  if (!result.success) {
    const lines = result.error.issues.map((issue) => `  ${issue.path.join(".")}: ${issue.message}`);
    throw new CliError(`${path} is not a valid pools file:\n${lines.join("\n")}`);
  }
  for (const pool of result.data.pools) {
    for (const backend of pool.backends) parseAddress(backend.address);
  }
  return result.data;
}

function parseAddress(address: string): { host: string; port: number } {
  const at = address.lastIndexOf(":");
  const host = hostSchema.safeParse(address.slice(0, at));
  const port = portSchema.safeParse(Number(address.slice(at + 1)));
  if (!host.success || !port.success) throw new CliError(`backend address ${address}: must be host:port`);
  return { host: host.data, port: port.data };
}

/** The steps that bring the control plane to the manifest; empty when it already matches. */
export async function planApply(client: Client, manifest: Manifest): Promise<Step[]> {
  const steps: Step[] = [];
  for (const wanted of manifest.pools) {
    const current = await getPool(client, wanted.name);
    if (!current) steps.push(...createSteps(client, wanted));
    else steps.push(...updateSteps(client, wanted, current));
  }
  return steps;
}

async function getPool(client: Client, name: string): Promise<Pool | undefined> {
  try {
    return await client.pools.get.query({ id: name });
  } catch (error) {
    if (error instanceof TRPCClientError && (error.data as { code?: string } | undefined)?.code === "NOT_FOUND")
      return undefined;
    throw error;
  }
}

function settingsOf(pool: ManifestPool): Record<string, unknown> {
  const { name: _name, backends: _backends, ...settings } = pool;
  return Object.fromEntries(Object.entries(settings).filter(([, value]) => value !== undefined));
}

function createSteps(client: Client, wanted: ManifestPool): Step[] {
  const steps: Step[] = [
    {
      line: `+ pool ${wanted.name}`,
      run: () => client.pools.create.mutate({ name: wanted.name, ...settingsOf(wanted) }),
    },
  ];
  for (const backend of wanted.backends) {
    steps.push({
      line: `+ backend ${wanted.name} ${backend.address} (${backend.version}, weight ${backend.weight}${backend.state === "active" ? "" : `, ${backend.state}`})`,
      run: () =>
        client.backends.add.mutate({
          poolId: wanted.name,
          ...parseAddress(backend.address),
          weight: backend.weight,
          versionLabel: backend.version,
          state: backend.state,
        }),
    });
  }
  return steps;
}

function updateSteps(client: Client, wanted: ManifestPool, current: Pool): Step[] {
  const steps: Step[] = [];
  const changed = Object.entries(settingsOf(wanted)).filter(
    ([key, value]) => canonical(value) !== canonical((current as unknown as Record<string, unknown>)[key]),
  );
  if (changed.length > 0) {
    steps.push({
      line: changed
        .map(
          ([key, value]) =>
            `~ pool ${wanted.name} ${key}: ${short((current as unknown as Record<string, unknown>)[key])} → ${short(value)}`,
        )
        .join("\n"),
      run: async () => {
        const fresh = await client.pools.get.query({ id: current.id });
        return client.pools.update.mutate({ id: current.id, version: fresh.version, ...Object.fromEntries(changed) });
      },
    });
  }
  const existing = new Map(current.backends.map((backend) => [`${backend.host}:${backend.port}`, backend]));
  const named = new Set<string>();
  for (const backend of wanted.backends) {
    const address = parseAddress(backend.address);
    const key = `${address.host}:${address.port}`;
    named.add(key);
    const have = existing.get(key);
    if (!have) {
      steps.push({
        line: `+ backend ${wanted.name} ${key} (${backend.version}, weight ${backend.weight})`,
        run: () =>
          client.backends.add.mutate({
            poolId: current.id,
            ...address,
            weight: backend.weight,
            versionLabel: backend.version,
            state: backend.state,
          }),
      });
      continue;
    }
    const fields: string[] = [];
    if (have.weight !== backend.weight) fields.push(`weight ${have.weight} → ${backend.weight}`);
    if (have.versionLabel !== backend.version) fields.push(`version ${have.versionLabel} → ${backend.version}`);
    if (have.state !== backend.state) fields.push(`state ${have.state} → ${backend.state}`);
    if (fields.length === 0) continue;
    steps.push({
      line: `~ backend ${wanted.name} ${key}: ${fields.join(", ")}`,
      run: async () => {
        let version = have.version;
        if (have.weight !== backend.weight || have.versionLabel !== backend.version) {
          version = (
            await client.backends.update.mutate({
              id: have.id,
              version,
              weight: backend.weight,
              versionLabel: backend.version,
            })
          ).item.version;
        }
        if (have.state !== backend.state) {
          const verb = backend.state === "active" ? "enable" : backend.state === "draining" ? "drain" : "disable";
          await client.backends[verb].mutate({ id: have.id, version });
        }
      },
    });
  }
  for (const [key, have] of existing) {
    if (named.has(key)) continue;
    steps.push({
      line: `- backend ${wanted.name} ${key}`,
      run: () => client.backends.remove.mutate({ id: have.id, version: have.version }),
    });
  }
  return steps;
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value && typeof value === "object") {
    return `{${Object.entries(value)
      .filter(([, child]) => child !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([key, child]) => `${key}:${canonical(child)}`)
      .join(",")}}`;
  }
  return JSON.stringify(value ?? null);
}

function short(value: unknown): string {
  const text = JSON.stringify(value);
  return text && text.length > 80 ? `${text.slice(0, 77)}...` : (text ?? "null");
}
