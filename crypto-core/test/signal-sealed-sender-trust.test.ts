/**
 * Sealed sender across relays: opening the outer layer alone, then finding
 * which pinned relay root certified the sender (docs/protocol.md §5).
 */
import {
  PrivateKey,
  ProtocolAddress,
  SenderCertificate,
  ServerCertificate,
  sealedSenderEncryptMessage,
} from '@signalapp/libsignal-client';
import { beforeAll, describe, expect, it } from 'vitest';
import { fromUtf8, utf8 } from '../src/encoding.js';
import { CryptoErrorCode, ParleyCryptoError } from '../src/errors.js';
import { ForgedIdentityError } from '../src/signal/errors-map.js';
import {
  generateTrustRoot,
  type IssuedServerCertificate,
  issueSenderCertificate,
  issueServerCertificate,
  type KeyPairBytes,
  SealedSenderCipher,
} from '../src/signal/index.js';
import { findCertifyingRoot, openSealedOuterLayer } from '../src/signal/sealed-sender-trust.js';
import { signalStoresFor } from '../src/store/adapters.js';
import { createTestDevice, type TestDevice } from './support/test-devices.js';

const HOUR = 3600_000;
const RELAY_A = 'http://127.0.0.1:7447';
const RELAY_B = 'http://127.0.0.1:7448';

describe('sealed sender across relays', () => {
  const now = Date.now();
  let rootA: KeyPairBytes;
  let rootB: KeyPairBytes;
  let serverB: IssuedServerCertificate;
  let alice: TestDevice;
  let carol: TestDevice;
  let carolCertificate: Uint8Array;

  beforeAll(async () => {
    rootA = generateTrustRoot();
    rootB = generateTrustRoot();
    serverB = issueServerCertificate(rootB.privateKey, 1);
    alice = await createTestDevice({ deviceId: 1 });
    carol = await createTestDevice({ deviceId: 1 });
    carolCertificate = issueSenderCertificate({
      sender: carol.address,
      identityKey: carol.identity.identityKey,
      expiresAt: now + HOUR,
      serverCertificate: serverB.certificate,
      serverPrivateKey: serverB.privateKey,
    });
    await carol.session.startSession(alice.nextBundle());
  });

  const sealFromCarol = (text: string) =>
    new SealedSenderCipher(carol.store, carol.address, rootB.publicKey).encrypt(
      alice.address,
      utf8(text),
      carolCertificate,
      now,
    );

  it('open the outer layer to the certificate and inner message, which decrypts with the sender session', async () => {
    const outer = await openSealedOuterLayer(alice.store, await sealFromCarol('from relay B'));
    expect(outer.claimedSender).toEqual(carol.address);
    expect(outer.inner.type).toBe('prekey');
    const candidates = [
      { key: RELAY_A, trustRoot: rootA.publicKey },
      { key: RELAY_B, trustRoot: rootB.publicKey },
    ];
    const found = findCertifyingRoot(outer.certificate, candidates, now);
    expect(found?.key).toBe(RELAY_B);
    expect(found?.certificate.sender).toEqual(carol.address);
    const inner = outer.inner;
    if (inner.type === 'sender-key') throw new Error('expected a 1:1 message');
    expect(fromUtf8(await alice.session.decrypt(carol.address, inner))).toBe('from relay B');
  });

  it('find no root when only other relays are pinned, or the certificate has expired', async () => {
    const outer = await openSealedOuterLayer(alice.store, await sealFromCarol('second'));
    expect(outer.inner.type).toBe('prekey');
    expect(findCertifyingRoot(outer.certificate, [{ key: RELAY_A, trustRoot: rootA.publicKey }], now)).toBeNull();
    expect(findCertifyingRoot(outer.certificate, [], now)).toBeNull();
    const late = now + 2 * HOUR;
    expect(findCertifyingRoot(outer.certificate, [{ key: RELAY_B, trustRoot: rootB.publicKey }], late)).toBeNull();
    // A pinned value that is no key validates nothing and breaks nothing.
    const broken = [
      { key: RELAY_A, trustRoot: new Uint8Array(33) },
      { key: RELAY_B, trustRoot: rootB.publicKey },
    ];
    expect(findCertifyingRoot(outer.certificate, broken, now)?.key).toBe(RELAY_B);
  });

  it('name a relay that certified a key the account id does not commit to as a forgery', async () => {
    const malloryKey = PrivateKey.generate().getPublicKey();
    const forged = SenderCertificate.new(
      carol.identity.accountId,
      null,
      carol.address.deviceId,
      malloryKey,
      now + HOUR,
      ServerCertificate.deserialize(serverB.certificate),
      PrivateKey.deserialize(serverB.privateKey),
    );
    let thrown: unknown;
    try {
      findCertifyingRoot(forged.serialize(), [{ key: RELAY_B, trustRoot: rootB.publicKey }], now);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ForgedIdentityError);
    expect((thrown as ForgedIdentityError).accountId).toBe(carol.identity.accountId);
    // Under a root that did not sign it, it is merely not certified.
    expect(findCertifyingRoot(forged.serialize(), [{ key: RELAY_A, trustRoot: rootA.publicKey }], now)).toBeNull();
  });

  it('refuse what is not a sealed message for us', async () => {
    const sealed = await sealFromCarol('not for bob');
    const bob = await createTestDevice({ deviceId: 1 });
    for (const [store, data] of [
      [bob.store, sealed],
      [alice.store, utf8('garbage')],
    ] as const) {
      let code: string | undefined;
      try {
        await openSealedOuterLayer(store, data);
      } catch (error) {
        code = ParleyCryptoError.is(error) ? error.code : String(error);
      }
      expect(code).toBe(CryptoErrorCode.InvalidMessage);
    }
  });

  it('keep the sealing key bound to the certificate key', async () => {
    // Mallory seals with her own identity but Carol's certificate: libsignal refuses the outer layer.
    const mallory = await createTestDevice({ deviceId: 1 });
    await mallory.session.startSession(alice.nextBundle());
    const stores = signalStoresFor(mallory.store);
    const stolen = SenderCertificate.deserialize(Uint8Array.from(carolCertificate));
    const sealed = await sealedSenderEncryptMessage(
      utf8('i am carol'),
      ProtocolAddress.new(alice.address.accountId, alice.address.deviceId),
      stolen,
      stores.session,
      stores.identity,
    );
    await expect(openSealedOuterLayer(alice.store, sealed)).rejects.toMatchObject({
      code: CryptoErrorCode.InvalidCertificate,
    });
  });
});
