import { router } from "../../trpc";
import { createRouteProcedure } from "./create";
import { deleteRouteProcedure } from "./delete";
import { updateRouteProcedure } from "./update";

export const routesRouter = router({
  create: createRouteProcedure,
  update: updateRouteProcedure,
  delete: deleteRouteProcedure,
});
