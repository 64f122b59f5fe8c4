import { backendStateProcedure } from "./set-state";

export const enableBackendProcedure = backendStateProcedure("enable", "active", "Put a backend back in service");
