/**
 * Test and benchmark fixtures: a device with a MemoryProtocolStore full of
 * prekeys, and the bundles a relay would hand out for it. Not exported from
 * the package entry; the relay and the vault build bundles from real uploads.
 */
import { toBase64 } from '../../src/encoding.js';
import type { DeviceAddress } from '../../src/signal/address.js';
import { GroupCipher } from '../../src/signal/group.js';
import { generateIdentity, type LocalIdentity } from '../../src/signal/identity.js';
import {
  type GeneratedKyberPreKey,
  type GeneratedPreKey,
  type GeneratedSignedPreKey,
  generateKyberPreKeys,
  generateLastResortKyberPreKey,
  generateOneTimePreKeys,
  generateSignedPreKey,
  storeGeneratedPreKeys,
} from '../../src/signal/prekeys.js';
import { SessionCipher } from '../../src/signal/session.js';
import { MemoryProtocolStore } from '../../src/store/memory-store.js';
import type { ProtocolStore } from '../../src/store/protocol-store.js';
import type { PreKeyBundleWire } from '../../src/wire/keys.js';

export interface TestDeviceOptions {
  readonly deviceId?: number;
  /** Share an account (and so an identity) with another device. */
  readonly identity?: LocalIdentity;
  readonly preKeys?: number;
  readonly kyberPreKeys?: number;
  /** Store to use instead of a fresh MemoryProtocolStore (must hold `identity`). */
  readonly store?: (identity: LocalIdentity) => ProtocolStore;
}

export interface TestDevice {
  readonly identity: LocalIdentity;
  readonly address: DeviceAddress;
  readonly store: ProtocolStore;
  readonly session: SessionCipher;
  readonly group: GroupCipher;
  readonly signedPreKey: GeneratedSignedPreKey;
  readonly lastResortKyberPreKey: GeneratedKyberPreKey;
  /** What the relay would hand out next: consumes one one-time EC and one one-time Kyber prekey if any are left. */
  nextBundle(): PreKeyBundleWire;
}

export async function createTestDevice(options: TestDeviceOptions = {}): Promise<TestDevice> {
  const identity = options.identity ?? generateIdentity();
  const deviceId = options.deviceId ?? 1;
  const store = options.store?.(identity) ?? new MemoryProtocolStore(identity);
  const signedPreKey = generateSignedPreKey(identity, 1);
  const lastResortKyberPreKey = generateLastResortKyberPreKey(identity, 0xffffff);
  const preKeys: GeneratedPreKey[] = [...generateOneTimePreKeys(1, options.preKeys ?? 2).keys];
  const kyberPreKeys: GeneratedKyberPreKey[] = [...generateKyberPreKeys(identity, 1, options.kyberPreKeys ?? 2).keys];
  await storeGeneratedPreKeys(store, { signedPreKey, lastResortKyberPreKey, preKeys, kyberPreKeys });
  const address: DeviceAddress = { accountId: identity.accountId, deviceId };
  return {
    identity,
    address,
    store,
    session: new SessionCipher(store, address),
    group: new GroupCipher(store, address),
    signedPreKey,
    lastResortKyberPreKey,
    nextBundle(): PreKeyBundleWire {
      const preKey = preKeys.shift();
      const kyberPreKey = kyberPreKeys.shift() ?? lastResortKyberPreKey;
      return {
        accountId: identity.accountId,
        deviceId,
        registrationId: identity.registrationId,
        identityKey: toBase64(identity.identityKey),
        signedPreKey: signedPreKey.wire,
        preKey: preKey === undefined ? null : preKey.wire,
        kyberPreKey: kyberPreKey.wire,
      };
    },
  };
}
