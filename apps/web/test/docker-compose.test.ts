import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";

const repoRoot = fileURLToPath(new URL("../../..", import.meta.url));
const composeFile = join(repoRoot, "docker-compose.yml");

interface Service {
  image?: string;
  build?: { context: string; dockerfile: string };
  depends_on?: string[] | Record<string, unknown>;
  environment?: Record<string, string>;
}

const compose = parse(readFileSync(composeFile, "utf8")) as { services: Record<string, Service> };

// Compose v2 (the `docker compose` plugin) only: the file uses the Compose Specification, which
// the legacy Python docker-compose 1.x rejects.
const hasCompose = spawnSync("docker", ["compose", "version"], { stdio: "ignore" }).status === 0;

describe("docker-compose.yml", () => {
  it("deploys Postgres, the control plane, an agent and three demo backends", () => {
    expect(Object.keys(compose.services).sort()).toEqual(
      ["agent", "control-plane", "demo-v1-a", "demo-v1-b", "demo-v2", "postgres"].sort(),
    );
    for (const [name, service] of Object.entries(compose.services)) {
      expect(service.image ?? service.build, `${name} needs an image or a build`).toBeTruthy();
      if (service.build) expect(existsSync(join(repoRoot, service.build.context, service.build.dockerfile))).toBe(true);
      const dependencies = Array.isArray(service.depends_on)
        ? service.depends_on
        : Object.keys(service.depends_on ?? {});
      for (const dependency of dependencies) expect(Object.keys(compose.services)).toContain(dependency);
    }
    expect(compose.services["control-plane"]?.environment?.DATABASE_URL).toContain("@postgres:5432/weir");
  });

  it("points the demo pool at the demo backend services", () => {
    const backends = compose.services["control-plane"]?.environment?.WEIR_DEMO_BACKENDS?.split(",") ?? [];
    expect(backends.map((address) => address.split(":")[0])).toEqual(["demo-v1-a", "demo-v1-b", "demo-v2"]);
  });

  it.skipIf(!hasCompose)("is valid for `docker compose config` (skipped without the compose plugin)", () => {
    const result = spawnSync("docker", ["compose", "-f", composeFile, "config", "--quiet"], {
      env: { ...process.env, POSTGRES_PASSWORD: "example" },
      encoding: "utf8",
    });
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
  });
});
