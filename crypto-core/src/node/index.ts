/**
 * @parley/crypto-core/node: file helpers for Node processes only (the relay,
 * the desktop vault and main process). Never imported by browser code.
 */
export * from './atomic-file.js';
