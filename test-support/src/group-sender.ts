/**
 * A group member sending to the others the way a client does (docs/protocol.md
 * §4.9, §5 Groups): sessions with every member device from bundles fetched
 * at the relay, the member's sender certificate and the relay's trust root,
 * its sender-key chain, and one multi-recipient upload per message
 * (POST /v1/messages/multi-recipient). Members open their envelopes with
 * `openGroupEnvelope`. Everything is crypto-core; nothing a client could not do.
 */
import {
  type Bytes,
  type DeviceAddress,
  fromBase64,
  GroupCipher,
  newDistributionId,
  type SealedGroupMessage,
  SealedSenderCipher,
  toBase64,
} from '@parley/crypto-core';
import {
  ACCESS_KEY_HEADER,
  type Envelope,
  type MultiRecipientSendRequest,
  parseWire,
  preKeyBundlesResponseSchema,
  routes,
  senderCertificateResponseSchema,
  trustRootResponseSchema,
} from '@parley/crypto-core/wire';
import type { HttpResult, RelayHttp } from './relay-client.js';
import type { RegisteredDevice } from './scenario.js';
import type { TestDevice } from './test-device.js';

async function getJson<T>(http: RelayHttp, path: string, parse: (body: unknown) => T, token?: string): Promise<T> {
  const result = await http.request(path, token === undefined ? {} : { token });
  if (result.status !== 200) throw new Error(`GET ${path} failed (${result.status}): ${JSON.stringify(result.body)}`);
  return parse(result.body);
}

/** The relay's sealed-sender trust root. */
export function fetchTrustRoot(http: RelayHttp): Promise<Bytes> {
  return getJson(http, routes.trustRoot, (body) =>
    fromBase64(parseWire(trustRootResponseSchema, body, 'trust root').publicKey),
  );
}

/** POST /v1/messages/multi-recipient, with the token if given. */
export function postMultiRecipient(http: RelayHttp, body: unknown, token?: string): Promise<HttpResult> {
  return http.request(routes.multiRecipientMessages, token === undefined ? { body } : { body, token });
}

export class GroupSender {
  readonly groupId = crypto.randomUUID();
  readonly distributionId = newDistributionId();
  readonly #group: GroupCipher;

  private constructor(
    readonly member: RegisteredDevice,
    readonly sealed: SealedSenderCipher,
    readonly certificate: Bytes,
  ) {
    this.#group = new GroupCipher(member.device.store, member.device.address);
  }

  /** The member's certificate (GET /v1/certificate) and the relay's trust root. */
  static async create(http: RelayHttp, member: RegisteredDevice): Promise<GroupSender> {
    const trustRoot = await fetchTrustRoot(http);
    const certificate = await getJson(
      http,
      routes.senderCertificate,
      (body) => fromBase64(parseWire(senderCertificateResponseSchema, body, 'certificate').certificate),
      member.token,
    );
    const { device } = member;
    return new GroupSender(member, new SealedSenderCipher(device.store, device.address, trustRoot), certificate);
  }

  /**
   * Sessions with every device of `accountId`, from its bundles (fetched with
   * `accessKey` when it registered keys); returns the devices' addresses.
   */
  async startSessions(http: RelayHttp, accountId: string, accessKey?: string): Promise<DeviceAddress[]> {
    const result = await http.request(http.bundlesPath(accountId), {
      token: this.member.token,
      ...(accessKey === undefined ? {} : { headers: { [ACCESS_KEY_HEADER]: accessKey } }),
    });
    if (result.status !== 200) throw new Error(`bundles of a member refused (${result.status})`);
    const { bundles } = parseWire(preKeyBundlesResponseSchema, result.body, 'bundles');
    const addresses: DeviceAddress[] = [];
    for (const bundle of bundles) addresses.push(await this.member.device.session.startSession(bundle));
    return addresses;
  }

  /** Our chain for `distributionId` (made on the first call): its distribution message. */
  startChain(): Promise<Bytes> {
    return this.#group.createDistributionMessage(this.distributionId);
  }

  /**
   * Our distribution message, carried to each member device over its 1:1
   * session and processed there, as a client's sender-key content would be.
   */
  async distributeTo(members: readonly TestDevice[]): Promise<void> {
    const distribution = await this.startChain();
    const sender = this.member.device;
    for (const member of members) {
      const carried = await sender.session.encrypt(member.address, distribution);
      const received = await member.session.decrypt(sender.address, carried);
      await new GroupCipher(member.store, member.address).processDistributionMessage(sender.address, received);
    }
  }

  /** One upload of `text` for `recipients`, as the request's base64 payload. */
  async upload(text: string, recipients: readonly DeviceAddress[]): Promise<string> {
    const plaintext = new TextEncoder().encode(text);
    const message = { groupId: this.groupId, distributionId: this.distributionId, plaintext, recipients };
    return toBase64(await this.sealed.encryptForGroup(message, this.certificate));
  }

  /** A request body for `payload` to these accounts (with their keys, if any). */
  static request(
    payload: string,
    recipients: readonly { readonly accountId: string; readonly accessKey?: string | undefined }[],
    ephemeral = false,
  ): MultiRecipientSendRequest {
    return {
      payload,
      recipients: recipients.map(({ accountId, accessKey }) =>
        accessKey === undefined ? { accountId } : { accountId, accessKey },
      ),
      ...(ephemeral ? { ephemeral } : {}),
    };
  }
}

/**
 * Opens a group envelope on `member`'s device: the sealed part (its
 * certificate judged at the envelope's server time under `trustRoot`), then
 * the sender-key message. Returns the sealed layer and the text.
 */
export async function openGroupEnvelope(
  member: TestDevice,
  trustRoot: Uint8Array,
  envelope: Envelope,
): Promise<{ readonly sealed: SealedGroupMessage; readonly text: string }> {
  const sealed = await new SealedSenderCipher(member.store, member.address, trustRoot).decrypt(
    fromBase64(envelope.content),
    envelope.serverTimestamp,
  );
  if (sealed.kind !== 'group') throw new Error('expected a group message');
  const plaintext = await new GroupCipher(member.store, member.address).decrypt(sealed.sender, sealed.ciphertext);
  return { sealed, text: new TextDecoder().decode(plaintext) };
}
