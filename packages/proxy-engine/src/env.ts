import type { Now, Rng } from "./util/clock";

export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };

/** What every part of the engine gets injected: the clock, the randomness, the logger. */
export interface EngineEnv {
  readonly now: Now;
  readonly rng: Rng;
  readonly logger: Logger;
}
