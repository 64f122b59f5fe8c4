import { revertInputSchema } from "@weir/config/api";
import { z } from "zod";
import { revertToVersion } from "../../domain/versions/revert-version";
import { operatorProcedure } from "../../trpc";
import { changeCaller, changeResponse } from "../change";

export const revertVersionProcedure = operatorProcedure
  .meta({
    openapi: {
      method: "POST",
      path: "/versions/{number}/revert",
      tags: ["versions"],
      summary: "Make the config what it was at a version, as a new version",
    },
  })
  .input(revertInputSchema)
  .output(z.object({ item: z.object({ revertedTo: z.number() }), configVersion: z.number() }))
  .mutation(async ({ ctx, input }) =>
    changeResponse(
      await revertToVersion({ ...changeCaller(ctx), number: input.number, expectedLatest: input.expectedLatest }),
    ),
  );
