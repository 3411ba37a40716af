/**
 * `@parley/crypto-core/backup-records`: the backup record stream and the
 * passphrase rules, for the renderer (browser-safe: no libsodium, no Node).
 * The container itself is sealed and opened by the vault.
 */
export * from './passphrase.js';
export * from './records.js';
