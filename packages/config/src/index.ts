export * from "./dataplane";
export * from "./wire";
