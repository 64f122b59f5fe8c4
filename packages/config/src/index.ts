export * from "./dataplane";
