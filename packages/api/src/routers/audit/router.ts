import { router } from "../../trpc";
import { listAuditProcedure } from "./list";

export const auditRouter = router({ list: listAuditProcedure });
