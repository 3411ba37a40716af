/**
 * The in-memory store's records and the pure helpers it applies to them:
 * copies on the way in and out (no caller can change stored state through an
 * object it holds), the canonical-base64 checks, and the one-time prekey
 * rules (one key per id, limits) as a function from old keys to new ones.
 */
import type { AccountId, KyberPreKeyWire, OneTimePreKeyWire, SignedPreKeyWire } from '@parley/crypto-core/wire';
import type { AccessKeyHashes, DurabilityReport, StoredEnvelope } from './relay-store.js';
import { type PreKeyKind, preKeyIdConflict, tooManyPreKeys } from './relay-store-errors.js';
import { assertCanonicalBase64 } from './store-input.js';
import { distinctPreKeys } from './store-limits.js';
import { storedEnvelope } from './stored-envelope.js';

export interface DeviceState {
  readonly deviceId: number;
  readonly createdAt: number;
  readonly installationId: string | null;
  readonly generation: string;
  registrationId: number;
  signedPreKey: SignedPreKeyWire;
  lastResortKyberPreKey: KyberPreKeyWire;
  preKeys: Map<number, OneTimePreKeyWire>;
  kyberPreKeys: Map<number, KyberPreKeyWire>;
}

export interface AccountState {
  readonly identityKey: string;
  readonly createdAt: number;
  readonly devices: Map<number, DeviceState>;
  accessKeys: AccessKeyHashes | null;
}

export const MEMORY_DURABILITY: DurabilityReport = {
  engine: 'memory',
  survivesProcessCrash: false,
  survivesPowerLoss: false,
  settings: { persistence: 'none' },
};

export function queueKey(recipient: AccountId, deviceId: number): string {
  return `${recipient}/${deviceId}`;
}

export function copySignedPreKey(key: SignedPreKeyWire): SignedPreKeyWire {
  return { keyId: key.keyId, publicKey: key.publicKey, signature: key.signature };
}
export function copyKyberPreKey(key: KyberPreKeyWire): KyberPreKeyWire {
  return { keyId: key.keyId, publicKey: key.publicKey, signature: key.signature };
}
export function copyOneTimePreKey(key: OneTimePreKeyWire): OneTimePreKeyWire {
  return { keyId: key.keyId, publicKey: key.publicKey };
}
export function copyEnvelope(envelope: StoredEnvelope): StoredEnvelope {
  return storedEnvelope(envelope, envelope.seq);
}

export function checkSignedPreKey(key: SignedPreKeyWire): void {
  assertCanonicalBase64(key.publicKey, 'signed prekey');
  assertCanonicalBase64(key.signature, 'signed prekey signature');
}
export function checkKyberPreKey(key: KyberPreKeyWire): void {
  assertCanonicalBase64(key.publicKey, 'Kyber prekey');
  assertCanonicalBase64(key.signature, 'Kyber prekey signature');
}
export function checkOneTimePreKey(key: OneTimePreKeyWire): void {
  assertCanonicalBase64(key.publicKey, 'one-time prekey');
}

/**
 * The one-time keys of one kind after adding `keys` to `stored`: identical
 * re-uploads are kept as they are, another key under a stored id is
 * PREKEY_ID_CONFLICT, more than `max` keys TOO_MANY_PREKEYS. `stored` is not changed.
 */
export function withAddedKeys<K extends { readonly keyId: number; readonly publicKey: string }>(
  stored: ReadonlyMap<number, K>,
  keys: readonly K[],
  kind: PreKeyKind,
  max: number,
  copy: (key: K) => K,
): Map<number, K> {
  const next = new Map(stored);
  for (const key of distinctPreKeys(keys, kind)) {
    const existing = next.get(key.keyId);
    if (existing === undefined) next.set(key.keyId, copy(key));
    else if (existing.publicKey !== key.publicKey) throw preKeyIdConflict(kind, key.keyId);
  }
  if (next.size > max) throw tooManyPreKeys(kind, max);
  return next;
}

/** Removes and returns the entry with the lowest key id (the order the SQLite store hands keys out in). */
export function takeLowest<K>(keys: Map<number, K>): K | null {
  let lowest: number | undefined;
  for (const keyId of keys.keys()) if (lowest === undefined || keyId < lowest) lowest = keyId;
  if (lowest === undefined) return null;
  const key = keys.get(lowest) ?? null;
  keys.delete(lowest);
  return key;
}
