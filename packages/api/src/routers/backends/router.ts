import { router } from "../../trpc";
import { addBackendProcedure } from "./add";
import { disableBackendProcedure } from "./disable";
import { drainBackendProcedure } from "./drain";
import { enableBackendProcedure } from "./enable";
import { removeBackendProcedure } from "./remove";
import { updateBackendProcedure } from "./update";

export const backendsRouter = router({
  add: addBackendProcedure,
  update: updateBackendProcedure,
  drain: drainBackendProcedure,
  enable: enableBackendProcedure,
  disable: disableBackendProcedure,
  remove: removeBackendProcedure,
});
