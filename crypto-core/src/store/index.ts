export {
  ParleyIdentityKeyStore,
  ParleyKyberPreKeyStore,
  ParleyPreKeyStore,
  ParleySenderKeyStore,
  ParleySessionStore,
  ParleySignedPreKeyStore,
  type SignalStores,
  signalStoresFor,
} from './adapters.js';
export { MemoryProtocolStore } from './memory-store.js';
export type {
  IdentityTrustLevel,
  KyberPreKeyEntry,
  LocalIdentityRecord,
  ProtocolStore,
  RemoteIdentityRecord,
} from './protocol-store.js';
