/** What the bridge and its parts log through. Lines go to stderr, which the sandbox host collects. */
export type BridgeLog = {
  info(msg: string): void;
  warn(msg: string): void;
  error(msg: string): void;
};

/** A log that writes `[bridge] level: message` lines to stderr. */
export function stderrLog(prefix = "bridge"): BridgeLog {
  const line = (level: string, msg: string) => process.stderr.write(`[${prefix}] ${level}: ${msg}\n`);
  return {
    info: (msg) => line("info", msg),
    warn: (msg) => line("warn", msg),
    error: (msg) => line("error", msg),
  };
}

/** A log that drops everything: the default in tests. */
export const silentLog: BridgeLog = { info() {}, warn() {}, error() {} };
