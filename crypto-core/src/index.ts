/**
 * @parley/crypto-core: the typed surface client and relay agree on.
 * This entry loads libsignal's native library; browser code imports the
 * native-free subpaths instead (`/wire`, `/content`, `/group`, `/errors`).
 */

export * from './address/index.js';
export * from './at-rest/index.js';
export * from './attachment/index.js';
export * from './backup/index.js';
export * from './content/index.js';
export * from './encoding.js';
export * from './errors.js';
export * from './group/index.js';
export * from './signal/index.js';
export * from './store/index.js';
export * as wire from './wire/index.js';
