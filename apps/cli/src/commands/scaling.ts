import { CliError, type Client, readPoolFile, required } from "../client";
import { type Format, print } from "../output";

/**
 * `weirctl scaling …`: list a pool's scaling rules, show one, create or edit from a YAML file
 * (the fields of POST /api/v1/scaling-rules, with the pool by name), enable, disable, and read the
 * decision log.
 */
export async function scaling(
  client: Client,
  sub: string | undefined,
  args: string[],
  values: { file?: string | undefined },
  format: Format,
): Promise<number> {
  const [ref] = args;
  switch (sub) {
    case "ls":
    case undefined: {
      const rules = await client.scaling.list.query(ref ? { poolId: ref } : {});
      print(rules, format, () => [
        ["ID", "NAME", "POOL", "ENABLED", "BACKENDS", "DESIRED", "BOUNDS", "METRICS", "ACTUATOR"],
        ...rules.map((r) => [
          r.id,
          r.name,
          r.versionLabel ? `${r.poolName}/${r.versionLabel}` : r.poolName,
          r.enabled ? "yes" : "no",
          String(r.status.current),
          String(r.status.desired ?? "-"),
          `${r.minBackends}-${r.maxBackends}`,
          r.metrics.map((m) => `${m.type}=${m.target}`).join(","),
          r.actuator.kind,
        ]),
      ]);
      return 0;
    }
    case "get": {
      print(
        await client.scaling.get.query({ id: required(ref, "rule id") }),
        format === "table" ? "yaml" : format,
        () => [],
      );
      return 0;
    }
    case "create":
    case "edit": {
      const { pool, fields } = await readPoolFile(required(values.file, "-f <rule.yaml>"));
      if (sub === "create") {
        const poolRow = await client.pools.get.query({ id: required(pool, "pool (in the file)") });
        const created = await client.scaling.create.mutate({ ...fields, poolId: poolRow.id } as never);
        process.stdout.write(`scaling rule ${created.name} (${created.id}) created on ${created.poolName}\n`);
        return 0;
      }
      const current = await client.scaling.get.query({ id: required(ref, "rule id") });
      const updated = await client.scaling.update.mutate({
        ...fields,
        id: current.id,
        version: current.version,
      } as never);
      process.stdout.write(`scaling rule ${updated.name} updated (version ${updated.version})\n`);
      return 0;
    }
    case "enable":
    case "disable": {
      const rule = await client.scaling[sub].mutate({ id: required(ref, "rule id") });
      process.stdout.write(`scaling rule ${rule.name} ${rule.enabled ? "enabled" : "disabled"}\n`);
      return 0;
    }
    case "decisions": {
      const decisions = await client.scaling.decisions.query({ id: required(ref, "rule id"), limit: 50 });
      print(decisions, format, () => [
        ["WHEN", "ACTION", "BACKENDS", "RECOMMENDED", "DESIRED", "WHY"],
        ...decisions.map((d) => [
          d.at,
          d.action,
          String(d.currentBackends),
          String(d.recommended),
          String(d.desiredBackends),
          d.reason,
        ]),
      ]);
      return 0;
    }
    default:
      throw new CliError(`Unknown scaling command ${sub}. Run \`weirctl help\`.`, 2);
  }
}
