import { router } from "../../trpc";
import { createEnrollmentTokenProcedure } from "./create";
import { listEnrollmentTokensProcedure } from "./list";
import { revokeEnrollmentTokenProcedure } from "./revoke";

export const enrollmentTokensRouter = router({
  list: listEnrollmentTokensProcedure,
  create: createEnrollmentTokenProcedure,
  revoke: revokeEnrollmentTokenProcedure,
});
