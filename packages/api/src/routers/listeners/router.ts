import { router } from "../../trpc";
import { createListenerProcedure } from "./create";
import { deleteListenerProcedure } from "./delete";
import { getListenerProcedure } from "./get";
import { listListenersProcedure } from "./list";
import { updateListenerProcedure } from "./update";

export const listenersRouter = router({
  list: listListenersProcedure,
  get: getListenerProcedure,
  create: createListenerProcedure,
  update: updateListenerProcedure,
  delete: deleteListenerProcedure,
});
