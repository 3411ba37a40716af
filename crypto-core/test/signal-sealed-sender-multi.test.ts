/**
 * Multi-recipient sealed sender (Sealed Sender v2) for groups: one upload
 * sealed for several recipient devices, addressed by service id while the
 * sessions stay under account ids; the relay's split into one part per
 * recipient; each part opened by the recipient's ordinary sealed-sender
 * path into a sender-key message its GroupCipher decrypts. And the failures:
 * a part opened by someone else, a tampered part, a malformed upload, a
 * recipient without a session, a forged certificate.
 */
import {
  Aci,
  IdentityKeyPair,
  PrivateKey,
  SenderCertificate,
  ServerCertificate,
  ServiceId,
} from '@signalapp/libsignal-client';
import { beforeAll, describe, expect, it } from 'vitest';
import { serviceIdFor } from '../src/address/service-id.js';
import { type Bytes, fromUtf8, utf8 } from '../src/encoding.js';
import { CryptoErrorCode } from '../src/errors.js';
import {
  type DeviceAddress,
  ForgedIdentityError,
  GroupCipher,
  generateTrustRoot,
  type IssuedServerCertificate,
  issueSenderCertificate,
  issueServerCertificate,
  type KeyPairBytes,
  MultiRecipientMessage,
  newDistributionId,
  openSealedOuterLayer,
  type SealedMessage,
  SealedSenderCipher,
} from '../src/signal/index.js';
import { sealGroupMessage } from '../src/signal/sealed-sender-multi.js';
import { signalStoresFor } from '../src/store/adapters.js';
import { SSV2_DEVICE_BYTES, SSV2_RECEIVED_OVERHEAD_BYTES, SSV2_RECIPIENT_BYTES } from '../src/wire/multi-recipient.js';
import { rejection, syncRejection } from './support/rejections.js';
import { createTestDevice, type TestDevice } from './support/test-devices.js';

const HOUR = 3600_000;

function groupPart(message: SealedMessage) {
  if (message.kind !== 'group') throw new Error(`expected a group message, got ${message.kind}`);
  return message;
}

describe('multi-recipient sealed sender', () => {
  const now = Date.now();
  const groupId = crypto.randomUUID();
  const distributionId = newDistributionId();
  let root: KeyPairBytes;
  let server: IssuedServerCertificate;
  let alice: TestDevice;
  let aliceCertificate: Bytes;
  let aliceSealed: SealedSenderCipher;
  /** Bob (two devices), Carol, Dave: three accounts, four devices. */
  let recipients: TestDevice[];
  let outsider: TestDevice;

  const certificateFor = (sender: DeviceAddress, identityKey: Uint8Array) =>
    issueSenderCertificate({
      sender,
      identityKey,
      expiresAt: now + HOUR,
      serverCertificate: server.certificate,
      serverPrivateKey: server.privateKey,
    });
  const sealedFor = (device: TestDevice) => new SealedSenderCipher(device.store, device.address, root.publicKey);
  const addresses = (devices: readonly TestDevice[]): DeviceAddress[] => devices.map((device) => device.address);

  beforeAll(async () => {
    root = generateTrustRoot();
    server = issueServerCertificate(root.privateKey, 1);
    alice = await createTestDevice();
    const bob = await createTestDevice();
    const bobLaptop = await createTestDevice({ identity: bob.identity, deviceId: 2 });
    recipients = [bob, bobLaptop, await createTestDevice(), await createTestDevice()];
    outsider = await createTestDevice();
    aliceCertificate = certificateFor(alice.address, alice.identity.identityKey);
    aliceSealed = sealedFor(alice);
    // Sessions for the registration ids and identity keys SSv2 needs; the
    // distribution message goes to each member over them, as the vault does.
    const distribution = await alice.group.createDistributionMessage(distributionId);
    for (const member of [...recipients, outsider]) {
      await alice.session.startSession(member.nextBundle());
      const carried = await alice.session.encrypt(member.address, distribution);
      await member.group.processDistributionMessage(
        alice.address,
        await member.session.decrypt(alice.address, carried),
      );
    }
  });

  const encrypt = (text: string, to: readonly TestDevice[] = recipients) =>
    aliceSealed.encryptForGroup(
      { groupId, distributionId, plaintext: utf8(text), recipients: addresses(to) },
      aliceCertificate,
      now,
    );

  it('seals once for every device; each recipient opens its part and then the group message', async () => {
    const upload = MultiRecipientMessage.parse(await encrypt('hello everyone'));
    expect(upload.excludedServiceIds).toEqual([]);
    const [bob, bobLaptop, carol, dave] = recipients as [TestDevice, TestDevice, TestDevice, TestDevice];
    // One entry per account, under its service id, with each device's registration id.
    expect(upload.recipients).toEqual([
      {
        serviceId: serviceIdFor(bob.address.accountId),
        devices: [
          { deviceId: 1, registrationId: bob.identity.registrationId },
          { deviceId: 2, registrationId: bobLaptop.identity.registrationId },
        ],
      },
      {
        serviceId: serviceIdFor(carol.address.accountId),
        devices: [{ deviceId: 1, registrationId: carol.identity.registrationId }],
      },
      {
        serviceId: serviceIdFor(dave.address.accountId),
        devices: [{ deviceId: 1, registrationId: dave.identity.registrationId }],
      },
    ]);
    for (const recipient of recipients) {
      const part = upload.payloadFor(serviceIdFor(recipient.address.accountId));
      const opened = groupPart(await sealedFor(recipient).decrypt(part, now));
      expect(opened).toMatchObject({ sender: alice.address, groupId, distributionId });
      expect(fromUtf8(await recipient.group.decrypt(opened.sender, opened.ciphertext))).toBe('hello everyone');
    }
  });

  it('costs the shared ciphertext once plus a few bytes per recipient and device', async () => {
    const raw = await encrypt('sized');
    const upload = MultiRecipientMessage.parse(raw);
    const part = upload.payloadFor(serviceIdFor(recipients[2]?.address.accountId ?? ''));
    const shared = part.byteLength - SSV2_RECEIVED_OVERHEAD_BYTES;
    const perRecipients = 3 * SSV2_RECIPIENT_BYTES + recipients.length * SSV2_DEVICE_BYTES;
    // Version byte, recipient count, recipients, ephemeral key, shared ciphertext.
    expect(raw.byteLength).toBe(1 + 1 + perRecipients + 32 + shared);
  });

  it('opens through the across-relays path too, as a sender-key message with its group', async () => {
    const carol = recipients[2] as TestDevice;
    const upload = MultiRecipientMessage.parse(await encrypt('across relays'));
    const outer = await openSealedOuterLayer(carol.store, upload.payloadFor(serviceIdFor(carol.address.accountId)));
    expect(outer.claimedSender).toEqual(alice.address);
    const inner = outer.inner;
    if (inner.type !== 'sender-key') throw new Error('expected a sender-key message');
    expect(inner).toMatchObject({ groupId, distributionId });
    expect(fromUtf8(await carol.group.decrypt(alice.address, inner.body))).toBe('across relays');
  });

  it('a part does not open for another recipient, nor for someone who is not one', async () => {
    const [bob, , carol] = recipients as [TestDevice, TestDevice, TestDevice];
    const upload = MultiRecipientMessage.parse(await encrypt('for bob', [bob]));
    const bobsPart = upload.payloadFor(serviceIdFor(bob.address.accountId));
    for (const other of [carol, outsider]) {
      expect((await rejection(sealedFor(other).decrypt(bobsPart, now))).code).toBe(CryptoErrorCode.InvalidMessage);
    }
    expect(syncRejection(() => upload.payloadFor(serviceIdFor(carol.address.accountId))).code).toBe(
      CryptoErrorCode.InvalidEncoding,
    );
  });

  it('refuses a tampered part with INVALID_MESSAGE, wherever the change is', async () => {
    const dave = recipients[3] as TestDevice;
    const part = MultiRecipientMessage.parse(await encrypt('intact', [dave])).payloadFor(
      serviceIdFor(dave.address.accountId),
    );
    // The key share, the tag, the ephemeral key, the shared ciphertext.
    for (const offset of [5, 40, 60, part.byteLength - 1]) {
      const tampered = part.slice();
      tampered[offset] = (tampered[offset] as number) ^ 0x01;
      const error = await rejection(sealedFor(dave).decrypt(tampered, now));
      expect(error.code, `byte ${offset}`).toBe(CryptoErrorCode.InvalidMessage);
      expect(error.cause).toBeDefined();
    }
    expect(
      fromUtf8(await dave.group.decrypt(alice.address, groupPart(await sealedFor(dave).decrypt(part, now)).ciphertext)),
    ).toBe('intact');
  });

  it('refuses a malformed upload on the relay side with INVALID_MESSAGE', async () => {
    const raw = await encrypt('to split');
    for (const broken of [new Uint8Array(0), raw.slice(0, 20), Uint8Array.of(0x11, ...raw.slice(1)), utf8('x')]) {
      expect(syncRejection(() => MultiRecipientMessage.parse(broken)).code).toBe(CryptoErrorCode.InvalidMessage);
    }
  });

  it('needs a session with every recipient device and refuses a malformed request before encrypting', async () => {
    const stranger = await createTestDevice();
    expect((await rejection(encrypt('no session', [...recipients, stranger]))).code).toBe(CryptoErrorCode.NoSession);
    const request = (recipientList: DeviceAddress[], ids: { groupId?: string; distributionId?: string } = {}) =>
      aliceSealed.encryptForGroup(
        {
          groupId: ids.groupId ?? groupId,
          distributionId: ids.distributionId ?? distributionId,
          plaintext: utf8('x'),
          recipients: recipientList,
        },
        aliceCertificate,
        now,
      );
    const bob = recipients[0] as TestDevice;
    // Our chain exists once its distribution message was made (and sent to the members).
    expect((await rejection(request([bob.address], { distributionId: newDistributionId() }))).code).toBe(
      CryptoErrorCode.NoSenderKey,
    );
    for (const refused of [
      request([]),
      request([bob.address, bob.address]),
      request([alice.address]),
      request([bob.address], { groupId: 'not-a-uuid' }),
      request([bob.address], { groupId: groupId.toUpperCase() }),
      request([bob.address], { distributionId: 'nope' }),
    ]) {
      expect((await rejection(refused)).code).toBe(CryptoErrorCode.InvalidEncoding);
    }
  });

  it('refuses a group message whose certificate the relay signed for another key: FORGED_IDENTITY', async () => {
    const carol = recipients[2] as TestDevice;
    const impostor = await createTestDevice();
    await impostor.session.startSession(carol.nextBundle());
    await new GroupCipher(impostor.store, alice.address).createDistributionMessage(distributionId);
    // The relay certifies Alice's account id with the impostor's key; the impostor seals with that key.
    const forged = SenderCertificate.new(
      alice.address.accountId,
      null,
      alice.address.deviceId,
      IdentityKeyPair.deserialize(impostor.identity.identityKeyPair).publicKey,
      now + HOUR,
      ServerCertificate.deserialize(server.certificate),
      PrivateKey.deserialize(server.privateKey),
    );
    const asAlice = new SealedSenderCipher(impostor.store, alice.address, root.publicKey);
    const message = { groupId, distributionId, plaintext: utf8('it is alice'), recipients: [carol.address] };
    // Parley's own cipher never seals with such a certificate...
    expect((await rejection(asAlice.encryptForGroup(message, forged.serialize(), now))).code).toBe(
      CryptoErrorCode.InvalidCertificate,
    );
    // ...so seal below it, as a hostile relay's accomplice would.
    const upload = await sealGroupMessage(signalStoresFor(impostor.store), alice.address, forged, message);
    const part = MultiRecipientMessage.parse(upload).payloadFor(serviceIdFor(carol.address.accountId));
    const error = await rejection(sealedFor(carol).decrypt(part, now));
    expect(error).toBeInstanceOf(ForgedIdentityError);
    expect(error.code).toBe(CryptoErrorCode.ForgedIdentity);
    expect((error as ForgedIdentityError).accountId).toBe(alice.address.accountId);
  });

  it('service ids are libsignal ACIs that round-trip through their text', () => {
    for (const device of [alice, ...recipients]) {
      const serviceId = serviceIdFor(device.address.accountId);
      const parsed = ServiceId.parseFromServiceIdString(serviceId);
      expect(parsed).toBeInstanceOf(Aci);
      expect(parsed.getServiceIdString()).toBe(serviceId);
    }
    expect(new Set(recipients.map((device) => serviceIdFor(device.address.accountId))).size).toBe(3);
  });
});
