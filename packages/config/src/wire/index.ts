export * from "./agent";
export * from "./live";
