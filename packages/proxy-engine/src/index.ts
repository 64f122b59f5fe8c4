export { BackendRuntime } from "./backend";
export type { Balancer, PickContext } from "./balancers";
export { createBalancer } from "./balancers";
export {
  type BackendHealth,
  createEngine,
  Engine,
  type EngineOptions,
  type HealthEvent,
  type ListenerInfo,
  type ListenerStatus,
} from "./engine";
export type { Logger } from "./env";
export { type EngineErrorCode, engineErrors, WeirEngineError } from "./errors";
export { createCoarseClock, type Now, type Rng, seededRng } from "./util/clock";
