import type { Logger } from "@weir/proxy-engine";

const levels = { debug: 10, info: 20, warn: 30, error: 40 } as const;
export type LogLevel = keyof typeof levels;

/** JSON lines on stderr: one object per event, greppable and machine-readable. */
export function createLogger(
  level: LogLevel,
  write: (line: string) => void = (line) => process.stderr.write(line),
): Logger {
  const at = (name: LogLevel) => (message: string, fields?: Record<string, unknown>) => {
    if (levels[name] < levels[level]) return;
    write(`${JSON.stringify({ time: new Date().toISOString(), level: name, message, ...fields })}\n`);
  };
  return { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
}
