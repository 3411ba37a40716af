/**
 * Where the engine writes what happened. Never message content, keys, tokens
 * or ciphertext: only ids, codes and counts, so a log can be shared.
 */

export type LogDetails = Readonly<Record<string, string | number | boolean | null | undefined>>;

export interface EngineLogger {
  debug(message: string, details?: LogDetails): void;
  info(message: string, details?: LogDetails): void;
  warn(message: string, details?: LogDetails): void;
  error(message: string, details?: LogDetails): void;
}

export const silentLogger: EngineLogger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
};

/** Console logging with a prefix; debug lines are dropped unless asked for. */
export function consoleLogger(options: { readonly debug?: boolean } = {}): EngineLogger {
  const format = (message: string, details?: LogDetails) =>
    details === undefined ? [`[engine] ${message}`] : [`[engine] ${message}`, details];
  return {
    debug: (message, details) => {
      if (options.debug === true) console.debug(...format(message, details));
    },
    info: (message, details) => console.info(...format(message, details)),
    warn: (message, details) => console.warn(...format(message, details)),
    error: (message, details) => console.error(...format(message, details)),
  };
}
