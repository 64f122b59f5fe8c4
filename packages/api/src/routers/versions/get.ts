import { configVersionSchema, getVersionInputSchema } from "@weir/config/api";
import { getVersion } from "../../domain/versions/versions";
import { viewerProcedure } from "../../trpc";

export const getVersionProcedure = viewerProcedure
  .meta({
    openapi: {
      method: "GET",
      path: "/versions/{number}",
      tags: ["versions"],
      summary: "One config version with its whole snapshot",
    },
  })
  .input(getVersionInputSchema)
  .output(configVersionSchema)
  .query(async ({ ctx, input }) => {
    const version = await getVersion({ db: ctx.db, number: input.number });
    return {
      ...version,
      snapshot: version.snapshot as unknown as {
        engine: Record<string, unknown>;
        selectors: Record<string, Record<string, string>>;
      },
    };
  });
