export * from "./auth";
export * from "./common";
export * from "./history";
export * from "./listeners";
export * from "./pools";
export * from "./rollouts";
export * from "./scaling";
export * from "./scaling-dto";
