import { auditPageSchema, listAuditInputSchema } from "@weir/config/api";
import { listAudit } from "../../domain/audit/list-audit";
import { viewerProcedure } from "../../trpc";

export const listAuditProcedure = viewerProcedure
  .meta({
    openapi: {
      method: "GET",
      path: "/audit",
      tags: ["audit"],
      summary: "Audit log, newest first, filtered by actor, target, action and time",
    },
  })
  .input(listAuditInputSchema)
  .output(auditPageSchema)
  .query(({ ctx, input }) => listAudit({ db: ctx.db, ...input }));
