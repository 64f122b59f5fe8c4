import { router } from "../../trpc";
import { promoteRolloutProcedure, rolloutCommandProcedure } from "./command";
import { createRolloutProcedure } from "./create";
import { getRolloutProcedure } from "./get";
import { listRolloutsProcedure } from "./list";

export const rolloutsRouter = router({
  list: listRolloutsProcedure,
  get: getRolloutProcedure,
  create: createRolloutProcedure,
  start: rolloutCommandProcedure("start"),
  pause: rolloutCommandProcedure("pause"),
  resume: rolloutCommandProcedure("resume"),
  promote: promoteRolloutProcedure,
  abort: rolloutCommandProcedure("abort"),
  retry: rolloutCommandProcedure("retry"),
  rollback: rolloutCommandProcedure("rollback"),
});
