import { diffVersionsInputSchema, versionDiffSchema } from "@weir/config/api";
import { diffVersions } from "../../domain/versions/versions";
import { viewerProcedure } from "../../trpc";

export const diffVersionsProcedure = viewerProcedure
  .meta({
    openapi: {
      method: "GET",
      path: "/versions/diff",
      tags: ["versions"],
      summary: "What changed between two versions (?from=&to=)",
    },
  })
  .input(diffVersionsInputSchema)
  .output(versionDiffSchema)
  .query(({ ctx, input }) => diffVersions({ db: ctx.db, from: input.from, to: input.to }));
