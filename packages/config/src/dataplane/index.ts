export * from "./errors";
export * from "./histogram";
export * from "./metrics";
export * from "./parse";
export * from "./schema";
