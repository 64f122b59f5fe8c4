import { router } from "../../trpc";
import { createPoolProcedure } from "./create";
import { deletePoolProcedure } from "./delete";
import { getPoolProcedure } from "./get";
import { listPoolsProcedure } from "./list";
import { updatePoolProcedure } from "./update";

export const poolsRouter = router({
  list: listPoolsProcedure,
  get: getPoolProcedure,
  create: createPoolProcedure,
  update: updatePoolProcedure,
  delete: deletePoolProcedure,
});
