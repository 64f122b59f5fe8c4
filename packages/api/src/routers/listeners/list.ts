import { listenerDtoSchema } from "@weir/config/api";
import { z } from "zod";
import { listListeners } from "../../domain/listeners/listeners";
import { viewerProcedure } from "../../trpc";

export const listListenersProcedure = viewerProcedure
  .meta({ openapi: { method: "GET", path: "/listeners", tags: ["listeners"], summary: "Listeners with their routes" } })
  .input(z.strictObject({}).optional())
  .output(z.array(listenerDtoSchema))
  .query(({ ctx }) => listListeners({ db: ctx.db }));
