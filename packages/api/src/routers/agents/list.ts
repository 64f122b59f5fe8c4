import { agentSchema } from "@weir/config/api";
import { z } from "zod";
import { listAgents } from "../../domain/agents/list-agents";
import { viewerProcedure } from "../../trpc";

export const listAgentsProcedure = viewerProcedure
  .meta({
    openapi: {
      method: "GET",
      path: "/agents",
      tags: ["agents"],
      summary: "Agents, their labels and the config version each runs",
    },
  })
  .input(z.strictObject({}).optional())
  .output(z.array(agentSchema))
  .query(({ ctx }) => listAgents({ db: ctx.db }));
