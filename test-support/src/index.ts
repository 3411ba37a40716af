/**
 * @parley/test-support: the helpers more than one workspace's tests use, so
 * that no workspace imports another's test folder. The relay helpers start a
 * real relay process on 127.0.0.1 and speak to it as a device would; the fuzz
 * helpers (also on their own at `@parley/test-support/fuzz`, free of
 * libsignal) make seeded random and mutated inputs.
 */
export * from './access-keys.js';
export * from './fuzz-values.js';
export * from './group-sender.js';
export * from './relay-client.js';
export * from './relay-process.js';
export * from './scenario.js';
export * from './test-device.js';
