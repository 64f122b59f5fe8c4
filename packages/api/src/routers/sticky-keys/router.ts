import { router } from "../../trpc";
import { listStickyKeysProcedure } from "./list";
import { rotateStickyKeyProcedure } from "./rotate";

export const stickyKeysRouter = router({
  list: listStickyKeysProcedure,
  rotate: rotateStickyKeyProcedure,
});
