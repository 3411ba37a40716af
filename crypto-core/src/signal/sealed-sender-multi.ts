/**
 * Sending to a group with one upload per relay (docs/protocol.md §4.9 and §5,
 * Groups): the message is encrypted once with the sender's chain
 * (sender keys), wrapped with the sender certificate and the group id, and
 * sealed for every recipient device at once with libsignal's multi-recipient
 * sealed sender (Sealed Sender v2). The relay splits it into one envelope per
 * recipient device (multi-recipient-message.ts); each recipient opens its
 * part like any sealed message (SealedSenderCipher.decrypt,
 * openSealedOuterLayer) and gets the sender-key message back.
 *
 * libsignal addresses SSv2 recipients by ServiceId, a UUID; Parley's
 * sessions and identities stay under account-id addresses. So the encrypt
 * call sees the stores through a view, built per call from the recipient
 * list, in which each recipient's service id (serviceIdFor) resolves to its
 * account id. SSv2 needs a session with every recipient device (for its
 * registration id) and the recipient's identity key; it does not advance
 * the sessions.
 */
import {
  ContentHint,
  type Direction,
  type IdentityChange,
  IdentityKeyStore,
  type PrivateKey,
  ProtocolAddress,
  type PublicKey,
  type SenderCertificate,
  type SessionRecord,
  SessionStore,
  sealedSenderMultiRecipientEncrypt,
  UnidentifiedSenderMessageContent,
} from '@signalapp/libsignal-client';
import { serviceIdFor } from '../address/service-id.js';
import type { Bytes } from '../encoding.js';
import { CryptoErrorCode, invalidInput } from '../errors.js';
import type { SignalStores } from '../store/adapters.js';
import { assertDeviceAddress, type DeviceAddress, toProtocolAddress } from './address.js';
import { toCryptoError } from './errors-map.js';
import { encryptWithSenderKey } from './group.js';
import { groupIdBytes } from './sealed-inner.js';

/** What one group message to some members' devices is. */
export interface GroupMessage {
  /** The group (a lowercase UUID); travels inside the encryption only. */
  readonly groupId: string;
  /** Our chain to encrypt under (GroupCipher.createDistributionMessage made it and it went to the members). */
  readonly distributionId: string;
  readonly plaintext: Uint8Array;
  /** Every device to seal it for (on one relay), each once; a session with each is needed. */
  readonly recipients: readonly DeviceAddress[];
}

/** Resolves the service ids of one call's recipients to their account ids. */
class ServiceIdNames {
  readonly #accountIds = new Map<string, string>();

  add(accountId: string): string {
    const serviceId = serviceIdFor(accountId);
    this.#accountIds.set(serviceId, accountId);
    return serviceId;
  }

  /** The account-id address behind a service-id address libsignal asks about. */
  resolve(address: ProtocolAddress): ProtocolAddress {
    const accountId = this.#accountIds.get(address.name());
    if (accountId === undefined) {
      // libsignal only asks about the recipients it was given.
      throw invalidInput(CryptoErrorCode.Internal, 'libsignal asked about an address that is not a recipient');
    }
    return ProtocolAddress.new(accountId, address.deviceId());
  }
}

/** The identity store as libsignal must see it for SSv2: recipients under their service ids. */
class ServiceIdIdentityStore extends IdentityKeyStore {
  constructor(
    private readonly inner: IdentityKeyStore,
    private readonly names: ServiceIdNames,
  ) {
    super();
  }

  getIdentityKey(): Promise<PrivateKey> {
    return this.inner.getIdentityKey();
  }

  override getIdentityKeyPair() {
    return this.inner.getIdentityKeyPair();
  }

  getLocalRegistrationId(): Promise<number> {
    return this.inner.getLocalRegistrationId();
  }

  saveIdentity(address: ProtocolAddress, key: PublicKey): Promise<IdentityChange> {
    return this.inner.saveIdentity(this.names.resolve(address), key);
  }

  isTrustedIdentity(address: ProtocolAddress, key: PublicKey, direction: Direction): Promise<boolean> {
    return this.inner.isTrustedIdentity(this.names.resolve(address), key, direction);
  }

  getIdentity(address: ProtocolAddress): Promise<PublicKey | null> {
    return this.inner.getIdentity(this.names.resolve(address));
  }
}

/** The session store as libsignal must see it for SSv2. */
class ServiceIdSessionStore extends SessionStore {
  constructor(
    private readonly inner: SessionStore,
    private readonly names: ServiceIdNames,
  ) {
    super();
  }

  saveSession(address: ProtocolAddress, record: SessionRecord): Promise<void> {
    return this.inner.saveSession(this.names.resolve(address), record);
  }

  getSession(address: ProtocolAddress): Promise<SessionRecord | null> {
    return this.inner.getSession(this.names.resolve(address));
  }

  getExistingSessions(addresses: ProtocolAddress[]): Promise<SessionRecord[]> {
    return this.inner.getExistingSessions(addresses.map((address) => this.names.resolve(address)));
  }
}

/**
 * The recipients as SSv2 addresses, each account's devices together (libsignal
 * then writes the account's key material once), in the order accounts first
 * appear; INVALID_ENCODING for a malformed, repeated or local address.
 */
function recipientAddresses(recipients: readonly DeviceAddress[], local: DeviceAddress, names: ServiceIdNames) {
  if (!Array.isArray(recipients) || recipients.length === 0) {
    throw invalidInput(CryptoErrorCode.InvalidEncoding, 'a group message needs at least one recipient device');
  }
  const devicesByAccount = new Map<string, number[]>();
  for (const recipient of recipients) {
    assertDeviceAddress(recipient);
    if (recipient.accountId === local.accountId && recipient.deviceId === local.deviceId) {
      throw invalidInput(CryptoErrorCode.InvalidEncoding, 'a group message is not sealed for the sending device');
    }
    const devices = devicesByAccount.get(recipient.accountId) ?? [];
    if (devices.includes(recipient.deviceId)) {
      throw invalidInput(CryptoErrorCode.InvalidEncoding, 'each recipient device may be named once');
    }
    devices.push(recipient.deviceId);
    devicesByAccount.set(recipient.accountId, devices);
  }
  const addresses: ProtocolAddress[] = [];
  for (const [accountId, devices] of devicesByAccount) {
    const serviceId = names.add(accountId);
    for (const deviceId of devices) addresses.push(ProtocolAddress.new(serviceId, deviceId));
  }
  return addresses;
}

/**
 * Encrypts `message.plaintext` under our chain and seals it once for every
 * recipient device: the SSv2 bytes to upload (POST
 * /v1/messages/multi-recipient). `certificate` is our own, already checked
 * (SealedSenderCipher.encryptForGroup does that). Throws INVALID_ENCODING for
 * a malformed message, NO_SENDER_KEY when our chain for the distribution id
 * does not exist yet (GroupCipher.createDistributionMessage makes it), and
 * NO_SESSION when a recipient device has no session or its account no
 * recorded identity key.
 */
export async function sealGroupMessage(
  stores: SignalStores,
  local: DeviceAddress,
  certificate: SenderCertificate,
  message: GroupMessage,
): Promise<Bytes> {
  const names = new ServiceIdNames();
  const recipients = recipientAddresses(message.recipients, local, names);
  const groupId = groupIdBytes(message.groupId);
  const sender = toProtocolAddress(local);
  const encrypted = await encryptWithSenderKey(stores, sender, message.distributionId, message.plaintext);
  // Parley has no resend protocol, so the hint stays Default: receivers ignore it.
  const content = UnidentifiedSenderMessageContent.new(encrypted, certificate, ContentHint.Default, groupId);
  try {
    return await sealedSenderMultiRecipientEncrypt({
      content,
      recipients,
      identityStore: new ServiceIdIdentityStore(stores.identity, names),
      sessionStore: new ServiceIdSessionStore(stores.session, names),
    });
  } catch (error) {
    throw toCryptoError(error, { fallback: CryptoErrorCode.Internal });
  }
}
