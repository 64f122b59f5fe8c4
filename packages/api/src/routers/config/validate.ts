import { getTRPCErrorFromUnknown } from "@trpc/server";
import type { EngineConfig } from "@weir/config";
import { validateInputSchema, validateResultSchema } from "@weir/config/api";
import type { Context } from "../../context";
import { dryRun } from "../../domain/config/commit-change";
import type { ConfigSnapshot } from "../../domain/config/compile-snapshot";
import { diffConfigs } from "../../domain/versions/diff-configs";
import { ApiError } from "../../errors";
import { viewerProcedure } from "../../trpc";

type CallerFactory = (ctx: Context) => unknown;
let createCaller: CallerFactory | undefined;

/** The router hands over its caller factory; importing the router here would be circular. */
export function registerValidationCaller(factory: CallerFactory): void {
  createCaller = factory;
}

/**
 * Dry-runs a change: the named procedure runs with the caller's own rights and input, all the way
 * to the compiled and validated config, then rolls back. Answers with what the config would be,
 * what would differ from the latest version, or the exact error the real call would give.
 */
export const validateProcedure = viewerProcedure
  .meta({
    openapi: {
      method: "POST",
      path: "/validate",
      tags: ["config"],
      summary: "Dry-run a change: the resulting config or the errors; nothing is written",
    },
  })
  .input(validateInputSchema)
  .output(validateResultSchema)
  .mutation(async ({ ctx, input }) => {
    if (!createCaller) throw new Error("validation caller not registered");
    const caller = createCaller(ctx);
    const [group, name] = input.procedure.split(".") as [string, string];
    const procedure = (caller as unknown as Record<string, Record<string, (input: unknown) => Promise<unknown>>>)[
      group
    ]?.[name];
    if (!procedure) throw new Error(`unknown procedure ${input.procedure}`);
    try {
      const { outcome } = await dryRun(() => procedure(input.input));
      const snapshot = outcome?.snapshot as ConfigSnapshot | undefined;
      const latest = await ctx.db.configVersion.findFirst({ orderBy: { number: "desc" } });
      const before = (latest?.snapshot as unknown as ConfigSnapshot | undefined)?.engine;
      return {
        valid: true,
        error: null,
        configVersion: outcome?.configVersion ?? null,
        changes: snapshot && before ? diffConfigs(before as EngineConfig, snapshot.engine) : [],
        config: snapshot ? (JSON.parse(JSON.stringify(snapshot.engine)) as Record<string, unknown>) : null,
      };
    } catch (cause) {
      const error = getTRPCErrorFromUnknown(cause);
      if (error.code === "INTERNAL_SERVER_ERROR") throw error;
      const zodIssues = (error.cause as { issues?: Array<{ path: PropertyKey[]; message: string }> } | undefined)
        ?.issues;
      const field = error instanceof ApiError ? error.details.field : zodIssues?.[0]?.path.join(".");
      const message = zodIssues?.[0] ? `${field}: ${zodIssues[0].message}` : error.message;
      const code =
        error instanceof ApiError
          ? error.details.code
          : error.code === "BAD_REQUEST"
            ? "WEIR_E_INVALID_INPUT"
            : error.code;
      return {
        valid: false,
        error: { code, message, ...(field ? { field } : {}) },
        configVersion: null,
        changes: [],
        config: null,
      };
    }
  });
