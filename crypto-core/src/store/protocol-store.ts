/**
 * What Parley persists for the Signal protocol (docs/protocol.md §Signal
 * state). Callers (the desktop vault) implement `ProtocolStore` durably; every
 * record is handed over as opaque serialized bytes so a durable store needs no
 * knowledge of libsignal's types: a table of (key, blob) rows is enough.
 *
 * The methods are deliberately dumb storage. Policy (who is trusted, which
 * Kyber prekeys get deleted, replay checks) lives once in the libsignal
 * adapters (store/adapters.ts) so no implementation can get it wrong.
 *
 * Every method may be called concurrently for different addresses; a store
 * must make each single call atomic. Errors a store throws surface as
 * ParleyCryptoError INTERNAL (never as INVALID_MESSAGE), so a failing disk is
 * never mistaken for a bad message and the message can be retried.
 */
import type { Bytes } from '../encoding.js';

/** This device's identity: the key pair is libsignal's serialized IdentityKeyPair (private!). */
export interface LocalIdentityRecord {
  readonly identityKeyPair: Bytes;
  /** Signal registration id, 1..0x3FFF. */
  readonly registrationId: number;
}

/**
 * What the user knows about a contact's key (the only key its account id
 * commits to, so never a changed one):
 * - `first-use`: recorded when the first session with the account was set up;
 * - `verified`: the user compared safety numbers out of band.
 */
export type IdentityTrustLevel = 'first-use' | 'verified';

/** The identity key recorded for one account (all its devices share it). */
export interface RemoteIdentityRecord {
  /** libsignal's 33-byte serialized public key: the key the account id commits to. */
  readonly identityKey: Bytes;
  readonly trust: IdentityTrustLevel;
  /** When this key was recorded or its trust last changed (ms since epoch). */
  readonly updatedAt: number;
}

/** A Kyber prekey record and whether it is the last-resort key (kept after use). */
export interface KyberPreKeyEntry {
  readonly record: Bytes;
  readonly lastResort: boolean;
}

export interface ProtocolStore {
  /** This device's identity. Read once per store and cached by the adapters. */
  getLocalIdentity(): Promise<LocalIdentityRecord>;

  /** The identity trusted for `accountId`, or null when none was recorded yet. */
  getRemoteIdentity(accountId: string): Promise<RemoteIdentityRecord | null>;
  saveRemoteIdentity(accountId: string, record: RemoteIdentityRecord): Promise<void>;

  /** Serialized libsignal SessionRecord for one remote device. */
  loadSession(accountId: string, deviceId: number): Promise<Bytes | null>;
  storeSession(accountId: string, deviceId: number, record: Bytes): Promise<void>;

  /** One-time EC prekeys (removed after first use). */
  loadPreKey(keyId: number): Promise<Bytes | null>;
  storePreKey(keyId: number, record: Bytes): Promise<void>;
  removePreKey(keyId: number): Promise<void>;

  loadSignedPreKey(keyId: number): Promise<Bytes | null>;
  storeSignedPreKey(keyId: number, record: Bytes): Promise<void>;
  removeSignedPreKey(keyId: number): Promise<void>;

  /** Kyber prekeys: one-time ones are removed after use, the last-resort one stays. */
  loadKyberPreKey(keyId: number): Promise<KyberPreKeyEntry | null>;
  storeKyberPreKey(keyId: number, entry: KyberPreKeyEntry): Promise<void>;
  /** Removes the key and anything recorded for it by `recordLastResortKyberUse`. */
  removeKyberPreKey(keyId: number): Promise<void>;
  /**
   * Records that a last-resort Kyber prekey was used with (signed prekey id,
   * sender base key). Returns false when exactly that combination was recorded
   * before, i.e. the PreKey message is a replay.
   */
  recordLastResortKyberUse(kyberKeyId: number, signedPreKeyId: number, baseKey: Bytes): Promise<boolean>;

  /** Sender-key state for (sender device, distribution id), for groups. */
  loadSenderKey(accountId: string, deviceId: number, distributionId: string): Promise<Bytes | null>;
  storeSenderKey(accountId: string, deviceId: number, distributionId: string, record: Bytes): Promise<void>;
}
