/**
 * @parley/relay-server: the relay as a library (tests, the desktop's local
 * relay, embedding). The command-line entry is src/main.ts.
 */
export { ConfigError, DEFAULT_PORT, helpText, type RelayConfig, resolveConfig } from './config.js';
export { RelayErrorCode, RelayServerError } from './errors.js';
export { createLogger, type Logger } from './logging.js';
export { type RunningRelay, startRelay } from './relay.js';
