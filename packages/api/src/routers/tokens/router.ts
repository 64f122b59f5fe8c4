import { router } from "../../trpc";
import { createApiTokenProcedure } from "./create";
import { listApiTokensProcedure } from "./list";
import { revokeApiTokenProcedure } from "./revoke";

export const tokensRouter = router({
  list: listApiTokensProcedure,
  create: createApiTokenProcedure,
  revoke: revokeApiTokenProcedure,
});
