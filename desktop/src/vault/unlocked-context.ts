/** What the vault's services share while it is unlocked (built by open-vault.ts, dropped on lock). */
import type { DeviceAddress, LocalIdentity, SessionCipher } from '@parley/crypto-core';
import type { VaultEventName, VaultEvents } from '../common/vault-api.js';
import type { DurableProtocolStore } from './durable-protocol-store.js';
import type { DurableRecords } from './durable-records.js';

export type EmitVaultEvent = <E extends VaultEventName>(event: E, payload: VaultEvents[E]) => void;

export interface UnlockedContext {
  readonly records: DurableRecords;
  readonly store: DurableProtocolStore;
  /** Our identity, private key included: it never leaves the vault. */
  readonly identity: LocalIdentity;
  /** This device's protocol address. */
  readonly local: DeviceAddress;
  /** One cipher over the store for every 1:1 session (its address cache is shared). */
  readonly sessions: SessionCipher;
  /** Milliseconds since the epoch (injectable for tests). */
  readonly now: () => number;
  /** Pushes an event to the renderer; call only after the change it reports is committed. */
  readonly emit: EmitVaultEvent;
}
