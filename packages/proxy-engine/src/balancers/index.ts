import type { Algorithm } from "@weir/config";
import type { BackendRuntime } from "../backend";
import { IpHash } from "./ip-hash";
import { LeastConnections } from "./least-connections";
import { Maglev } from "./maglev";
import { P2CLeastRequest } from "./p2c-least-request";
import { PeakEwma } from "./peak-ewma";
import { WeightedRandom } from "./random";
import { RingHash } from "./ring-hash";
import { RoundRobin } from "./round-robin";
import type { Balancer, BalancerDeps } from "./types";
import { WeightedRoundRobin } from "./weighted-round-robin";

export type { Balancer, BalancerDeps, PickContext } from "./types";

/** Whether the algorithm needs the request's hash key (client IP, header or cookie). */
export function usesHash(algorithm: Algorithm): boolean {
  return algorithm === "ip_hash" || algorithm === "ring_hash" || algorithm === "maglev";
}

/** One balancer per backend set. Throws on a name this build does not know (a newer config). */
export function createBalancer(
  algorithm: Algorithm,
  backends: readonly BackendRuntime[],
  deps: BalancerDeps,
): Balancer {
  switch (algorithm) {
    case "round_robin":
      return new RoundRobin(backends);
    case "weighted_round_robin":
      return new WeightedRoundRobin(backends);
    case "least_connections":
      return new LeastConnections(backends);
    case "p2c_least_request":
      return new P2CLeastRequest(backends, deps.rng);
    case "peak_ewma":
      return new PeakEwma(backends, deps.rng);
    case "random":
      return new WeightedRandom(backends, deps.rng);
    case "ip_hash":
      return new IpHash(backends);
    case "ring_hash":
      return new RingHash(backends);
    case "maglev":
      return new Maglev(backends);
    default: {
      const unknown: never = algorithm;
      throw new Error(`unknown balancing algorithm "${String(unknown)}"`);
    }
  }
}
