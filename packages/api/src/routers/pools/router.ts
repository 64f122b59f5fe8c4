import { router } from "../../trpc";
import { listPoolsProcedure } from "./list";

export const poolsRouter = router({
  list: listPoolsProcedure,
});
