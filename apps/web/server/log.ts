type Level = "debug" | "info" | "warn" | "error";
const ORDER: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface Logger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/** Plain lines on stderr with a level; what an operator reads in a terminal or `docker logs`. */
export function createLogger(level: Level, scope = "weir"): Logger {
  const write = (at: Level) => (message: string) => {
    if (ORDER[at] < ORDER[level]) return;
    process.stderr.write(`${new Date().toISOString()} ${at.toUpperCase().padEnd(5)} [${scope}] ${message}\n`);
  };
  return { debug: write("debug"), info: write("info"), warn: write("warn"), error: write("error") };
}
