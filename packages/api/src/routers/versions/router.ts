import { router } from "../../trpc";
import { diffVersionsProcedure } from "./diff";
import { getVersionProcedure } from "./get";
import { listVersionsProcedure } from "./list";
import { revertVersionProcedure } from "./revert";

export const versionsRouter = router({
  list: listVersionsProcedure,
  get: getVersionProcedure,
  diff: diffVersionsProcedure,
  revert: revertVersionProcedure,
});
