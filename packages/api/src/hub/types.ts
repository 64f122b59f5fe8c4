import type {
  AgentLabels,
  AgentToHubEvents,
  BrowserToHubEvents,
  HubToAgentEvents,
  HubToBrowserEvents,
} from "@weir/config";
import type { Namespace, Socket } from "socket.io";
import type { Actor } from "../auth/actor";

export interface HubLogger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/** What the hub knows of a connected agent (socket.data). */
export interface AgentSocketData {
  agentId: string;
  name: string;
  labels: AgentLabels;
  tokenId: string;
  /** The agent row's version as this connection registered it (every registration bumps it). */
  registeredVersion: number;
  /** Last config version pushed to it, acked by it, refused by it. */
  pushed?: number;
  applied?: number;
  rejected?: number;
  /** Pools in the config it runs (for the rollout gate). */
  pools: string[];
}

export interface BrowserSocketData {
  actor: Actor;
}

export type AgentsNamespace = Namespace<AgentToHubEvents, HubToAgentEvents, Record<string, never>, AgentSocketData>;
export type AgentSocket = Socket<AgentToHubEvents, HubToAgentEvents, Record<string, never>, AgentSocketData>;
export type LiveNamespace = Namespace<BrowserToHubEvents, HubToBrowserEvents, Record<string, never>, BrowserSocketData>;
export type LiveSocket = Socket<BrowserToHubEvents, HubToBrowserEvents, Record<string, never>, BrowserSocketData>;

/** Postgres NOTIFY channel: an enrollment token was revoked (payload: its id). */
export const TOKEN_REVOKED_CHANNEL = "weir_agent_token_revoked";

/** Postgres NOTIFY channel: a rollout changed (payload: its id); browsers refetch rollouts. */
export const ROLLOUT_CHANNEL = "weir_rollout";

/** Postgres NOTIFY channel: a scaling rule or its decisions changed (payload: its id); browsers refetch. */
export const SCALING_CHANNEL = "weir_scaling";
