export { type ConnectedAgent, type ConnectedOptions, runConnected } from "./connected";
export { createLogger, type LogLevel } from "./log";
export { SnapshotStore } from "./snapshot-store";
export { runStandalone, type Standalone, type StandaloneOptions } from "./standalone";
export { TelemetryReporter } from "./telemetry";
export { AGENT_VERSION } from "./version";
