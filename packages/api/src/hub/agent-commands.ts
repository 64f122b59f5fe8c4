import {
  type HubToAgentEvents,
  type ProcessExited,
  processStartReplySchema,
  processStopReplySchema,
} from "@weir/config";
import type { z } from "zod";
import type { AgentSocket, AgentsNamespace } from "./types";

/**
 * Commands the hub sends one named agent and whose acknowledgement it waits for (the process
 * actuator's start and stop). The reply is parsed with its schema like any message from an agent.
 */
const REPLIES = {
  "process:start": processStartReplySchema,
  "process:stop": processStopReplySchema,
} as const;

export type AgentCommand = keyof typeof REPLIES;
export type AgentCommandPayload<E extends AgentCommand> = Parameters<HubToAgentEvents[E]>[0];
export type AgentCommandReply<E extends AgentCommand> = z.output<(typeof REPLIES)[E]>;

/** The agent is not connected to this control-plane replica, did not answer in time, or answered nonsense. */
export class AgentCommandError extends Error {
  readonly code = "WEIR_E_AGENT_NOT_CONNECTED";
  constructor(message: string) {
    super(message);
    this.name = "AgentCommandError";
  }
}

export type ProcessExitListener = (agent: { agentId: string; name: string }, exit: ProcessExited) => void;

/** The newest connection of the agent named `name`; undefined when it has none on this replica. */
function socketOf(agents: AgentsNamespace, name: string): AgentSocket | undefined {
  let found: AgentSocket | undefined;
  for (const socket of agents.sockets.values()) if ((socket as AgentSocket).data.name === name) found = socket;
  return found;
}

export async function sendAgentCommand<E extends AgentCommand>(
  agents: AgentsNamespace,
  name: string,
  event: E,
  payload: AgentCommandPayload<E>,
  timeoutMs: number,
): Promise<AgentCommandReply<E>> {
  const socket = socketOf(agents, name);
  if (socket === undefined) throw new AgentCommandError(`agent ${name} is not connected to this control plane`);
  let reply: unknown;
  try {
    // The typed overloads of emitWithAck do not resolve through a generic event name.
    const timed = socket.timeout(timeoutMs) as unknown as { emitWithAck(e: string, p: unknown): Promise<unknown> };
    reply = await timed.emitWithAck(event, payload);
  } catch {
    throw new AgentCommandError(
      socket.connected
        ? `agent ${name} did not answer ${event} within ${timeoutMs} ms (an agent older than this control plane does not run processes)`
        : `agent ${name} disconnected before it answered ${event}`,
    );
  }
  const parsed = REPLIES[event].safeParse(reply);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new AgentCommandError(
      `agent ${name} answered ${event} with a malformed reply (${issue?.path.join(".") || "(reply)"}: ${issue?.message ?? "invalid"})`,
    );
  }
  return parsed.data as AgentCommandReply<E>;
}
