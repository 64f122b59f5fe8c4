import { listVersionsInputSchema, versionPageSchema } from "@weir/config/api";
import { listVersions } from "../../domain/versions/versions";
import { viewerProcedure } from "../../trpc";

export const listVersionsProcedure = viewerProcedure
  .meta({
    openapi: {
      method: "GET",
      path: "/versions",
      tags: ["versions"],
      summary: "Config versions, newest first (paginated)",
    },
  })
  .input(listVersionsInputSchema)
  .output(versionPageSchema)
  .query(({ ctx, input }) => listVersions({ db: ctx.db, limit: input.limit, cursor: input.cursor }));
