/**
 * What a relay does for the vault, in memory and without a network: keep each
 * device's registered prekeys and hand out bundles (the first one-time EC and
 * Kyber key, each at most once, then the last-resort Kyber key), issue sender
 * certificates under its trust root, and turn sends into envelopes. Enough to
 * run vaults against each other in tests; the real relay is relay-server.
 */
import {
  type AccountId,
  bytes,
  generateTrustRoot,
  type IssuedServerCertificate,
  issueSenderCertificate,
  issueServerCertificate,
  type KeyPairBytes,
  MultiRecipientMessage,
  parseAccountId,
  serviceIdFor,
} from '@parley/crypto-core';
import type {
  DeviceAddress,
  Envelope,
  KyberPreKeyWire,
  OneTimePreKeyWire,
  OutgoingMessage,
  PreKeyBundlesResponse,
  PreKeyUpload,
  RegisterRequest,
  SignedPreKeyWire,
} from '@parley/crypto-core/wire';
import { PrivateKey, PublicKey, SenderCertificate, ServerCertificate } from '@signalapp/libsignal-client';

interface DeviceKeys {
  registrationId: number;
  identityKey: string;
  signedPreKey: SignedPreKeyWire;
  lastResortKyberPreKey: KyberPreKeyWire;
  preKeys: OneTimePreKeyWire[];
  kyberPreKeys: KyberPreKeyWire[];
}

/** A device address as plain JSON carries it (account id not yet checked). */
interface DeviceLike {
  readonly accountId: string;
  readonly deviceId: number;
}

function deviceKey(accountId: string, deviceId: number): string {
  return `${accountId}.${deviceId}`;
}

export class TestRelay {
  readonly url: string;
  readonly trustRoot: KeyPairBytes;
  readonly #server: IssuedServerCertificate;
  readonly #devices = new Map<string, DeviceKeys>();
  /** The relay's clock for server timestamps: real time, strictly increasing. */
  #clock = Date.now();

  constructor(url = 'https://relay.test.example') {
    this.url = url;
    this.trustRoot = generateTrustRoot();
    this.#server = issueServerCertificate(this.trustRoot.privateKey, 1);
  }

  /** The relay's clock (real time; clients may have another). */
  now(): number {
    return Date.now();
  }

  register(request: RegisterRequest): void {
    this.#devices.set(deviceKey(request.accountId, request.deviceId), {
      registrationId: request.registrationId,
      identityKey: request.identityKey,
      signedPreKey: request.signedPreKey,
      lastResortKyberPreKey: request.lastResortKyberPreKey,
      preKeys: [...(request.preKeys ?? [])],
      kyberPreKeys: [...(request.kyberPreKeys ?? [])],
    });
  }

  upload(address: DeviceLike, upload: PreKeyUpload): void {
    const keys = this.#require(address.accountId, address.deviceId);
    if (upload.signedPreKey !== undefined) keys.signedPreKey = upload.signedPreKey;
    if (upload.lastResortKyberPreKey !== undefined) keys.lastResortKyberPreKey = upload.lastResortKyberPreKey;
    keys.preKeys.push(...upload.preKeys);
    keys.kyberPreKeys.push(...upload.kyberPreKeys);
  }

  /** Every device of the account, each with freshly claimed one-time keys. */
  bundles(accountId: AccountId): PreKeyBundlesResponse {
    const bundles = [...this.#devices.entries()]
      .filter(([key]) => key.startsWith(`${accountId}.`))
      .map(([key, keys]) => {
        const deviceId = Number(key.slice(accountId.length + 1));
        return {
          accountId,
          deviceId,
          registrationId: keys.registrationId,
          identityKey: keys.identityKey,
          signedPreKey: keys.signedPreKey,
          preKey: keys.preKeys.shift() ?? null,
          kyberPreKey: keys.kyberPreKeys.shift() ?? keys.lastResortKyberPreKey,
        };
      });
    if (bundles.length === 0) throw new Error(`no such account ${accountId}`);
    return { accountId, bundles };
  }

  senderCertificate(address: DeviceLike, expiresAt = Date.now() + 24 * 60 * 60 * 1000): Uint8Array {
    const keys = this.#require(address.accountId, address.deviceId);
    return issueSenderCertificate({
      sender: { accountId: parseAccountId(address.accountId), deviceId: address.deviceId },
      identityKey: Buffer.from(keys.identityKey, 'base64'),
      expiresAt,
      serverCertificate: this.#server.certificate,
      serverPrivateKey: this.#server.privateKey,
    });
  }

  /** A sender certificate for any device and key (benchmarks whose senders never register). */
  certifyDevice(
    address: DeviceAddress,
    identityKey: Uint8Array,
    expiresAt = Date.now() + 24 * 60 * 60 * 1000,
  ): Uint8Array {
    return issueSenderCertificate({
      sender: address,
      identityKey,
      expiresAt,
      serverCertificate: this.#server.certificate,
      serverPrivateKey: this.#server.privateKey,
    });
  }

  /**
   * What a lying relay can do and crypto-core's issuer refuses: a certificate,
   * validly signed with this relay's server key, binding `address` to a key
   * its account id does not commit to.
   */
  forgeCertificate(
    address: DeviceAddress,
    identityKey: Uint8Array,
    expiresAt = Date.now() + 24 * 60 * 60 * 1000,
  ): Uint8Array {
    return SenderCertificate.new(
      address.accountId,
      null,
      address.deviceId,
      PublicKey.deserialize(bytes(identityKey)),
      expiresAt,
      ServerCertificate.deserialize(this.#server.certificate),
      PrivateKey.deserialize(this.#server.privateKey),
    ).serialize();
  }

  /** The envelopes a send becomes, one per addressed device (sealed ones carry no source). */
  /**
   * Splits a multi-recipient (SSv2) upload as the relay does: one sealed
   * envelope per device it was sealed for, each with its recipient's part.
   * Keyed by account id, in the upload's order.
   */
  deliverMulti(payload: Uint8Array, accountIds: readonly AccountId[]): Map<AccountId, Envelope[]> {
    const message = MultiRecipientMessage.parse(payload);
    const out = new Map<AccountId, Envelope[]>();
    for (const accountId of accountIds) {
      const serviceId = serviceIdFor(accountId);
      const entry = message.recipients.find((recipient) => recipient.serviceId === serviceId);
      if (entry === undefined) throw new Error(`the upload is not sealed for ${accountId}`);
      const content = Buffer.from(message.payloadFor(serviceId)).toString('base64');
      out.set(
        accountId,
        entry.devices.map(({ deviceId }) => ({
          id: crypto.randomUUID(),
          type: 'sealed' as const,
          destinationDeviceId: deviceId,
          content,
          serverTimestamp: this.#clock++,
        })),
      );
    }
    return out;
  }

  deliver(sender: DeviceAddress, messages: readonly OutgoingMessage[]): Envelope[] {
    return messages.map((message) => ({
      id: crypto.randomUUID(),
      type: message.type,
      ...(message.type === 'sealed' ? {} : { source: { accountId: sender.accountId, deviceId: sender.deviceId } }),
      destinationDeviceId: message.deviceId,
      content: message.content,
      serverTimestamp: this.#clock++,
    }));
  }

  #require(accountId: string, deviceId: number): DeviceKeys {
    const keys = this.#devices.get(deviceKey(accountId, deviceId));
    if (keys === undefined) throw new Error(`device ${deviceKey(accountId, deviceId)} is not registered`);
    return keys;
  }
}
