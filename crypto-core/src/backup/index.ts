/**
 * Streaming encrypted backup container (docs/protocol.md §Backup container):
 * the portable API plus Node file helpers. The package root is Node-only
 * already (it loads libsignal), so it carries both.
 */
export * from './node-files.js';
export * from './portable.js';
