import { backendStateProcedure } from "./set-state";

export const disableBackendProcedure = backendStateProcedure(
  "disable",
  "disabled",
  "Take a backend out of service at once",
);
