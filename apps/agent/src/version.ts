/** The agent's software version, reported to the control plane (kept equal to package.json's). */
export const AGENT_VERSION = "0.1.0";
