import {
  IdentityKeyPair,
  PrivateKey,
  ProtocolAddress,
  PublicKey,
  SenderCertificate,
  ServerCertificate,
  sealedSenderEncryptMessage,
} from '@signalapp/libsignal-client';
import { beforeAll, describe, expect, it } from 'vitest';
import { fromUtf8, utf8 } from '../src/encoding.js';
import { CryptoErrorCode, ParleyCryptoError } from '../src/errors.js';
import { ForgedIdentityError } from '../src/signal/errors-map.js';
import { generateIdentity } from '../src/signal/identity.js';
import {
  certificateValidationTime,
  generateTrustRoot,
  type IssuedServerCertificate,
  issueSenderCertificate,
  issueServerCertificate,
  type KeyPairBytes,
  readSenderCertificate,
  type SealedMessage,
  SealedSenderCipher,
  validateSenderCertificate,
} from '../src/signal/index.js';
import { signalStoresFor } from '../src/store/adapters.js';
import { MAX_ENVELOPE_TTL_MS } from '../src/wire/envelope.js';
import { rejection } from './support/rejections.js';
import { createTestDevice, type TestDevice } from './support/test-devices.js';

const HOUR = 3600_000;

function codeOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    return ParleyCryptoError.is(error) ? error.code : `not a ParleyCryptoError: ${String(error)}`;
  }
  return undefined;
}

/** The text of a sealed 1:1 message (a group message fails the test). */
function textOf(message: SealedMessage): string {
  if (message.kind !== 'session') throw new Error(`expected a 1:1 message, got ${message.kind}`);
  return fromUtf8(message.plaintext);
}

describe('sealed sender', () => {
  const now = Date.now();
  let root: KeyPairBytes;
  let server: IssuedServerCertificate;
  let alice: TestDevice;
  let bob: TestDevice;
  let aliceCertificate: Uint8Array;
  let aliceSealed: SealedSenderCipher;
  let bobSealed: SealedSenderCipher;

  const certificateFor = (device: TestDevice, expiresAt: number, issuer = server) =>
    issueSenderCertificate({
      sender: device.address,
      identityKey: device.identity.identityKey,
      expiresAt,
      serverCertificate: issuer.certificate,
      serverPrivateKey: issuer.privateKey,
    });

  beforeAll(async () => {
    root = generateTrustRoot();
    server = issueServerCertificate(root.privateKey, 7);
    alice = await createTestDevice({ deviceId: 3 });
    bob = await createTestDevice({ deviceId: 2 });
    aliceCertificate = certificateFor(alice, now + HOUR);
    aliceSealed = new SealedSenderCipher(alice.store, alice.address, root.publicKey);
    bobSealed = new SealedSenderCipher(bob.store, bob.address, root.publicKey);
    await alice.session.startSession(bob.nextBundle());
  });

  it('round-trips, first as a sealed PreKey message, and names the sender', async () => {
    const sealed = await aliceSealed.encrypt(bob.address, utf8('sealed hello'), aliceCertificate, now);
    const opened = await bobSealed.decrypt(sealed, now);
    expect(opened.sender).toEqual(alice.address);
    expect(textOf(opened)).toBe('sealed hello');
    // Replies go the same way; the session is the ordinary one.
    const bobCertificate = certificateFor(bob, now + HOUR);
    const reply = await bobSealed.encrypt(alice.address, utf8('sealed reply'), bobCertificate, now);
    const back = await aliceSealed.decrypt(reply, now);
    expect(back.sender).toEqual(bob.address);
    expect(textOf(back)).toBe('sealed reply');
    const third = await aliceSealed.encrypt(bob.address, utf8('third'), aliceCertificate, now);
    expect(textOf(await bobSealed.decrypt(third, now))).toBe('third');
    // And a replay is a duplicate.
    expect((await rejection(bobSealed.decrypt(third, now))).code).toBe(CryptoErrorCode.DuplicateMessage);
  });

  it('rejects an expired certificate on receipt', async () => {
    const shortLived = certificateFor(alice, now + 1000);
    const sealed = await aliceSealed.encrypt(bob.address, utf8('late'), shortLived, now);
    expect((await rejection(bobSealed.decrypt(sealed, now + 2000))).code).toBe(CryptoErrorCode.InvalidCertificate);
    // One that validated before (its signatures are not checked again) is judged at each message's time.
    expect(
      textOf(await bobSealed.decrypt(await aliceSealed.encrypt(bob.address, utf8('in time'), shortLived, now), now)),
    ).toBe('in time');
    const later = await aliceSealed.encrypt(bob.address, utf8('too late'), shortLived, now);
    expect((await rejection(bobSealed.decrypt(later, now + 1001))).code).toBe(CryptoErrorCode.InvalidCertificate);
    // The sender refuses to use it once expired, too.
    expect((await rejection(aliceSealed.encrypt(bob.address, utf8('x'), shortLived, now + 2000))).code).toBe(
      CryptoErrorCode.InvalidCertificate,
    );
  });

  it('rejects a certificate with a forged signature', async () => {
    // Signed by a key that is not the server key its server certificate names.
    const forged = SenderCertificate.new(
      alice.identity.accountId,
      null,
      alice.address.deviceId,
      IdentityKeyPair.deserialize(alice.identity.identityKeyPair).publicKey,
      now + HOUR,
      ServerCertificate.deserialize(server.certificate),
      PrivateKey.generate(),
    );
    expect(codeOf(() => validateSenderCertificate(forged.serialize(), root.publicKey, now))).toBe(
      CryptoErrorCode.InvalidCertificate,
    );
    // Our cipher refuses to send with it...
    expect((await rejection(aliceSealed.encrypt(bob.address, utf8('x'), forged.serialize(), now))).code).toBe(
      CryptoErrorCode.InvalidCertificate,
    );
    // ...and a sealed message carrying it (made with libsignal directly) is refused on receipt.
    const stores = signalStoresFor(alice.store);
    const sealed = await sealedSenderEncryptMessage(
      utf8('forged'),
      ProtocolAddress.new(bob.address.accountId, bob.address.deviceId),
      forged,
      stores.session,
      stores.identity,
    );
    expect((await rejection(bobSealed.decrypt(sealed, now))).code).toBe(CryptoErrorCode.InvalidCertificate);
  });

  it('rejects a certificate issued under another trust root', async () => {
    const otherRoot = generateTrustRoot();
    const otherServer = issueServerCertificate(otherRoot.privateKey, 7);
    const foreign = certificateFor(alice, now + HOUR, otherServer);
    expect(codeOf(() => validateSenderCertificate(foreign, root.publicKey, now))).toBe(
      CryptoErrorCode.InvalidCertificate,
    );
    // Alice, configured with the other root, sends; Bob (our root) must refuse it.
    const misconfigured = new SealedSenderCipher(alice.store, alice.address, otherRoot.publicKey);
    const sealed = await misconfigured.encrypt(bob.address, utf8('from elsewhere'), foreign, now);
    expect((await rejection(bobSealed.decrypt(sealed, now))).code).toBe(CryptoErrorCode.InvalidCertificate);
  });

  it('refuses a relay-signed certificate naming a contact with another key as a forgery, sessions intact', async () => {
    // The relay (it holds the server key) certifies Alice's account id with Mallory's key.
    const mallory = await createTestDevice({ deviceId: 4 });
    const malloryKey = IdentityKeyPair.deserialize(mallory.identity.identityKeyPair).publicKey;
    /** Alice's id and device with Mallory's key, signed by `signer` under the relay's server certificate. */
    const aliceWithMalloryKey = (signer: PrivateKey) =>
      SenderCertificate.new(
        alice.identity.accountId,
        null,
        alice.address.deviceId,
        malloryKey,
        now + HOUR,
        ServerCertificate.deserialize(server.certificate),
        signer,
      );
    const forged = aliceWithMalloryKey(PrivateKey.deserialize(server.privateKey));
    expect(forged.validate(PublicKey.deserialize(root.publicKey), now)).toBe(true);
    const stores = signalStoresFor(mallory.store);
    const bobAddress = ProtocolAddress.new(bob.address.accountId, bob.address.deviceId);
    const seal = (text: string, certificate = forged) =>
      sealedSenderEncryptMessage(utf8(text), bobAddress, certificate, stores.session, stores.identity);

    // Inner PreKey message: refused by the identity check, naming the impersonated account.
    await mallory.session.startSession(bob.nextBundle());
    const first = await rejection(bobSealed.decrypt(await seal('it is alice'), now));
    expect(first.code).toBe(CryptoErrorCode.ForgedIdentity);
    expect(first).toBeInstanceOf(ForgedIdentityError);
    expect((first as ForgedIdentityError).accountId).toBe(alice.identity.accountId);

    // Inner ordinary message (Mallory has a ratcheted session with Bob under her own
    // name): it fails on Bob's session with Alice, and is still told as the forgery it is.
    await bob.session.decrypt(mallory.address, await mallory.session.encrypt(bob.address, utf8('hello, mallory here')));
    await mallory.session.decrypt(bob.address, await bob.session.encrypt(mallory.address, utf8('hi mallory')));
    const second = await rejection(bobSealed.decrypt(await seal('it is alice again'), now));
    expect(second.code).toBe(CryptoErrorCode.ForgedIdentity);
    expect((second as ForgedIdentityError).accountId).toBe(alice.identity.accountId);

    // The same lie signed by someone other than the relay is no relay's forgery: an invalid certificate.
    const unsigned = aliceWithMalloryKey(PrivateKey.generate());
    expect((await rejection(bobSealed.decrypt(await seal('unsigned', unsigned), now))).code).toBe(
      CryptoErrorCode.InvalidCertificate,
    );

    // Bob's key for Alice and his session with her are untouched.
    expect((await bob.store.getRemoteIdentity(alice.identity.accountId))?.identityKey).toEqual(
      alice.identity.identityKey,
    );
    const real = await aliceSealed.encrypt(bob.address, utf8('the real alice'), aliceCertificate, now);
    expect(textOf(await bobSealed.decrypt(real, now))).toBe('the real alice');
  });

  it("judges a received certificate at the relay's stamp, bounded by the longest an envelope can wait", async () => {
    const DAY = 24 * HOUR;
    // A receiver whose clock is a day fast judges at the relay's stamp, where the certificate is valid.
    const stamped = now;
    expect(certificateValidationTime(stamped, now + DAY)).toBe(stamped);
    const sealed = await aliceSealed.encrypt(bob.address, utf8('from the relay time'), aliceCertificate, now);
    expect(textOf(await bobSealed.decrypt(sealed, certificateValidationTime(stamped, now + DAY)))).toBe(
      'from the relay time',
    );
    // A stamp older than any envelope can be is not believed further back than that.
    expect(certificateValidationTime(0, now)).toBe(now - MAX_ENVELOPE_TTL_MS);
    expect(certificateValidationTime(now - MAX_ENVELOPE_TTL_MS + 1, now)).toBe(now - MAX_ENVELOPE_TTL_MS + 1);
  });

  it('rejects a tampered sealed message and garbage', async () => {
    const sealed = await aliceSealed.encrypt(bob.address, utf8('intact'), aliceCertificate, now);
    const tampered = sealed.slice();
    tampered[tampered.length - 20] = (tampered[tampered.length - 20] ?? 0) ^ 0x10;
    expect((await rejection(bobSealed.decrypt(tampered, now))).code).toBe(CryptoErrorCode.InvalidMessage);
    expect((await rejection(bobSealed.decrypt(new Uint8Array(0), now))).code).toBe(CryptoErrorCode.InvalidMessage);
    expect(textOf(await bobSealed.decrypt(sealed, now))).toBe('intact');
  });

  it('names the certified sender of a message whose inner layer cannot open, and nothing else', async () => {
    const sealed = await aliceSealed.encrypt(bob.address, utf8('for a lost session'), aliceCertificate, now);
    // A recipient without the session (a restored device, say) cannot open the
    // inner message but can still learn whom to ask for a fresh session.
    const restored = await createTestDevice({ deviceId: 2, identity: bob.identity });
    const restoredSealed = new SealedSenderCipher(restored.store, bob.address, root.publicKey);
    expect((await rejection(restoredSealed.decrypt(sealed, now))).code).not.toBe(CryptoErrorCode.InvalidCertificate);
    expect(await restoredSealed.certifiedSender(sealed, now)).toEqual(alice.address);
    // An expired or foreign certificate names nobody; garbage is an invalid message.
    expect((await rejection(restoredSealed.certifiedSender(sealed, now + 2 * HOUR))).code).toBe(
      CryptoErrorCode.InvalidCertificate,
    );
    const otherRoot = generateTrustRoot();
    const elsewhere = new SealedSenderCipher(restored.store, bob.address, otherRoot.publicKey);
    expect((await rejection(elsewhere.certifiedSender(sealed, now))).code).toBe(CryptoErrorCode.InvalidCertificate);
    expect((await rejection(restoredSealed.certifiedSender(new Uint8Array(3), now))).code).toBe(
      CryptoErrorCode.InvalidMessage,
    );
  });

  it('validates and reads certificates; issues only for the key the account id commits to', () => {
    const info = validateSenderCertificate(aliceCertificate, root.publicKey, now);
    expect(info).toEqual({
      sender: alice.address,
      identityKey: alice.identity.identityKey,
      expiresAt: now + HOUR,
      serverKeyId: 7,
    });
    expect(readSenderCertificate(aliceCertificate)).toEqual(info);
    expect(codeOf(() => validateSenderCertificate(aliceCertificate, root.publicKey, now + 2 * HOUR))).toBe(
      CryptoErrorCode.InvalidCertificate,
    );
    expect(codeOf(() => readSenderCertificate(new Uint8Array([1, 2, 3])))).toBe(CryptoErrorCode.InvalidCertificate);
    expect(codeOf(() => validateSenderCertificate(aliceCertificate, new Uint8Array(5), now))).toBe(
      CryptoErrorCode.InvalidEncoding,
    );
    expect(
      codeOf(() =>
        issueSenderCertificate({
          sender: alice.address,
          identityKey: generateIdentity().identityKey,
          expiresAt: now + HOUR,
          serverCertificate: server.certificate,
          serverPrivateKey: server.privateKey,
        }),
      ),
    ).toBe(CryptoErrorCode.AccountIdMismatch);
    expect(
      codeOf(() =>
        issueSenderCertificate({
          sender: alice.address,
          identityKey: alice.identity.identityKey,
          expiresAt: now + HOUR,
          serverCertificate: server.certificate,
          serverPrivateKey: generateTrustRoot().privateKey,
        }),
      ),
    ).toBe(CryptoErrorCode.InvalidCertificate);
    expect(codeOf(() => issueServerCertificate(new Uint8Array(3), 1))).toBe(CryptoErrorCode.InvalidEncoding);
  });

  it('refuses to send with a certificate for another device', async () => {
    expect((await rejection(bobSealed.encrypt(alice.address, utf8('x'), aliceCertificate, now))).code).toBe(
      CryptoErrorCode.InvalidCertificate,
    );
  });

  it('rejects a message sealed to ourselves by ourselves', async () => {
    const selfCipher = new SealedSenderCipher(alice.store, alice.address, root.publicKey);
    // Alice needs a session with herself to even try; she gets one from her own bundle.
    await alice.session.startSession(alice.nextBundle());
    const sealed = await selfCipher.encrypt(alice.address, utf8('me to me'), aliceCertificate, now);
    expect((await rejection(selfCipher.decrypt(sealed, now))).code).toBe(CryptoErrorCode.InvalidMessage);
  });
});
