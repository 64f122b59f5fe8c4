import { router } from "../../trpc";
import { listAgentsProcedure } from "./list";

export const agentsRouter = router({ list: listAgentsProcedure });
