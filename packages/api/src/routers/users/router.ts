import { router } from "../../trpc";
import { createUserProcedure } from "./create";
import { listUsersProcedure } from "./list";
import { updateUserProcedure } from "./update";

export const usersRouter = router({
  list: listUsersProcedure,
  create: createUserProcedure,
  update: updateUserProcedure,
});
