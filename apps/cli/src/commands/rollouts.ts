import { CliError, type Client, readPoolFile, required } from "../client";
import { type Format, print } from "../output";

type Rollout = Awaited<ReturnType<Client["rollouts"]["get"]["query"]>>;

const COMMANDS = ["start", "pause", "resume", "abort", "retry", "rollback"] as const;

/**
 * `weirctl rollouts …`: list, show, create from a YAML file (the same fields as
 * POST /api/v1/rollouts, with the pool by name), drive (start, pause, resume, promote, abort,
 * retry, rollback) and watch a rollout until it finishes.
 */
export async function rollouts(
  client: Client,
  sub: string | undefined,
  args: string[],
  values: { file?: string | undefined; full?: boolean | undefined },
  format: Format,
): Promise<number> {
  const [ref] = args;
  switch (sub) {
    case "ls":
    case undefined: {
      const list = await client.rollouts.list.query(ref ? { poolId: ref } : {});
      print(list, format, () => [
        ["ID", "POOL", "STRATEGY", "VERSIONS", "STATUS", "STEP", "WEIGHT", "MESSAGE"],
        ...list.map((r) => [
          r.id,
          r.pool,
          r.strategy,
          `${r.stableVersion}→${r.newVersion}`,
          r.status,
          String(r.currentStep),
          `${r.currentWeight}%`,
          (r.message ?? "").slice(0, 80),
        ]),
      ]);
      return 0;
    }
    case "get": {
      const rollout = await client.rollouts.get.query({ id: required(ref, "rollout id") });
      print(rollout, format === "table" ? "yaml" : format, () => []);
      return 0;
    }
    case "create": {
      const { pool, fields } = await readPoolFile(required(values.file, "-f <rollout.yaml>"));
      const poolRow = await client.pools.get.query({ id: required(pool, "pool (in the file)") });
      const created = await client.rollouts.create.mutate({ ...fields, poolId: poolRow.id } as never);
      process.stdout.write(`rollout ${created.id} created on ${created.pool} (${created.strategy}, pending)\n`);
      return 0;
    }
    case "promote": {
      const rollout = await client.rollouts.promote.mutate({
        id: required(ref, "rollout id"),
        full: values.full ?? false,
      });
      process.stdout.write(`${describe(rollout)}\n`);
      return 0;
    }
    case "watch":
      return watch(client, required(ref, "rollout id"));
    default: {
      if (!COMMANDS.includes(sub as (typeof COMMANDS)[number]))
        throw new CliError(`Unknown rollouts command ${sub}. Run \`weirctl help\`.`, 2);
      const command = sub as (typeof COMMANDS)[number];
      const rollout = await client.rollouts[command].mutate({ id: required(ref, "rollout id") });
      process.stdout.write(`${describe(rollout)}\n`);
      return 0;
    }
  }
}

function describe(r: Rollout): string {
  const waiting = r.stepStartedAt === null && (r.status === "progressing" || r.status === "paused");
  return `${r.pool} ${r.stableVersion}→${r.newVersion}: ${r.status}, step ${r.currentStep}, ${r.currentWeight}% to ${r.newVersion}${waiting ? " (waiting for agents)" : ""}${r.message ? `: ${r.message}` : ""}`;
}

/** Prints each change of the rollout until it finishes; exit code 0 when it succeeded. */
async function watch(client: Client, id: string): Promise<number> {
  let last = "";
  for (;;) {
    const r = await client.rollouts.get.query({ id });
    const line = describe(r);
    if (line !== last) process.stdout.write(`${new Date().toISOString()} ${line}\n`);
    last = line;
    if (["succeeded", "aborted", "degraded", "rolled_back"].includes(r.status)) return r.status === "succeeded" ? 0 : 1;
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}
