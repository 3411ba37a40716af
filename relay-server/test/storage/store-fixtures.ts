/**
 * Well-formed test data for the storage tests and their child processes:
 * real account ids derived from random identity keys, keys and signatures of
 * the wire sizes (random bytes: the store never verifies them), and
 * ~600-byte envelopes like the relay's typical traffic.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import {
  type AccountId,
  accountIdFromIdentityKey,
  type KyberPreKeyWire,
  type OneTimePreKeyWire,
  type SignedPreKeyWire,
} from '@parley/crypto-core/wire';
import type { DeviceRegistration, NewEnvelope } from '../../src/storage/relay-store.js';

/** A fixed clock for tests: 2023-11-14T22:13:20Z. */
export const NOW = 1_700_000_000_000;
export const DAY_MS = 86_400_000;

export interface TestIdentity {
  readonly accountId: AccountId;
  /** base64 of the 33-byte identity public key. */
  readonly identityKey: string;
  readonly identityKeyBytes: Buffer;
}

export function newIdentity(): TestIdentity {
  const identityKeyBytes = Buffer.concat([Buffer.from([0x05]), randomBytes(32)]);
  return {
    accountId: accountIdFromIdentityKey(identityKeyBytes),
    identityKey: identityKeyBytes.toString('base64'),
    identityKeyBytes,
  };
}

function randomBase64(bytes: number): string {
  return randomBytes(bytes).toString('base64');
}

export function signedPreKey(keyId: number): SignedPreKeyWire {
  return { keyId, publicKey: randomBase64(33), signature: randomBase64(64) };
}

export function kyberPreKey(keyId: number): KyberPreKeyWire {
  return { keyId, publicKey: randomBase64(1569), signature: randomBase64(64) };
}

/** `count` one-time EC prekeys with ids firstId, firstId+1, ... */
export function oneTimePreKeys(firstId: number, count: number): OneTimePreKeyWire[] {
  return Array.from({ length: count }, (_, index) => ({ keyId: firstId + index, publicKey: randomBase64(33) }));
}

/** `count` one-time Kyber prekeys with ids firstId, firstId+1, ... */
export function kyberPreKeys(firstId: number, count: number): KyberPreKeyWire[] {
  return Array.from({ length: count }, (_, index) => kyberPreKey(firstId + index));
}

/** The install a registration comes from unless a test says otherwise: re-registrations keep their queue. */
export const DEFAULT_INSTALLATION_ID = Buffer.alloc(16, 0x11).toString('base64');

/** Another install's id (a restored backup elsewhere). */
export function newInstallationId(): string {
  return randomBase64(16);
}

export interface RegistrationOptions {
  readonly deviceId?: number;
  readonly installationId?: string;
  readonly registrationId?: number;
  readonly preKeys?: readonly OneTimePreKeyWire[];
  readonly kyberPreKeys?: readonly KyberPreKeyWire[];
  readonly signedPreKey?: SignedPreKeyWire;
  readonly lastResortKyberPreKey?: KyberPreKeyWire;
  readonly now?: number;
}

export function registration(identity: TestIdentity, options: RegistrationOptions = {}): DeviceRegistration {
  return {
    accountId: identity.accountId,
    identityKey: identity.identityKey,
    deviceId: options.deviceId ?? 1,
    installationId: options.installationId ?? DEFAULT_INSTALLATION_ID,
    registrationId: options.registrationId ?? 1234,
    signedPreKey: options.signedPreKey ?? signedPreKey(1),
    lastResortKyberPreKey: options.lastResortKyberPreKey ?? kyberPreKey(0xfffff0),
    preKeys: options.preKeys ?? oneTimePreKeys(1, 5),
    kyberPreKeys: options.kyberPreKeys ?? kyberPreKeys(1, 5),
    now: options.now ?? NOW,
  };
}

export interface EnvelopeOptions {
  readonly deviceId?: number;
  readonly source?: { readonly accountId: AccountId; readonly deviceId: number } | undefined;
  readonly sealed?: boolean;
  readonly contentBytes?: number;
  readonly serverTimestamp?: number;
  readonly expiresAt?: number;
  readonly id?: string;
}

/** An envelope for `recipient`; unsealed (type message) when a source is given, sealed otherwise. */
export function newEnvelope(recipient: AccountId, options: EnvelopeOptions = {}): NewEnvelope {
  const base = {
    id: options.id ?? randomUUID(),
    recipient,
    deviceId: options.deviceId ?? 1,
    content: randomBase64(options.contentBytes ?? 600),
    serverTimestamp: options.serverTimestamp ?? NOW,
    expiresAt: options.expiresAt ?? NOW + 30 * DAY_MS,
  };
  if (options.source === undefined) return { ...base, type: 'sealed' };
  return { ...base, type: 'message', source: options.source };
}
