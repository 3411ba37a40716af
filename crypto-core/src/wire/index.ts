/**
 * `@parley/crypto-core/wire`: every relay request, response, socket event and
 * envelope, defined once. Loads no native code, so browsers and the relay can
 * import it alike. Also exports the native-free address helpers, which the
 * client needs to check contact codes and bundles.
 */

export * from '../address/index.js';
export * from './access.js';
export * from './auth.js';
export * from './blobs.js';
export * from './endpoints.js';
export * from './envelope.js';
export * from './errors.js';
export * from './http.js';
export * from './keys.js';
export * from './multi-recipient.js';
export * from './parse.js';
export * from './primitives.js';
export * from './socket.js';
