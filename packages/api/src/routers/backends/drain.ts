import { backendStateProcedure } from "./set-state";

export const drainBackendProcedure = backendStateProcedure(
  "drain",
  "draining",
  "Drain a backend: no new requests, in-flight ones finish",
);
