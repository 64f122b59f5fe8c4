export * from "./auth";
export * from "./common";
export * from "./history";
export * from "./pools";
