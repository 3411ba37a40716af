/**
 * Encrypting one content for every device of a recipient we have a session
 * with: padded content (crypto-core encodeContent adds `v` and pads), one
 * ciphertext per device, sealed with the relay's sender certificate or as a
 * plain prekey/message envelope. The ratchet steps are committed before any
 * ciphertext is returned, so a crash can never make the vault encrypt two
 * messages under one message key.
 */
import { type Bytes, encodeContent } from '@parley/crypto-core';
import { toBase64 } from '@parley/crypto-core/encoding';
import type { AccountId, OutgoingMessage } from '@parley/crypto-core/wire';
import { ApiErrorCode } from '../common/api-errors.js';
import type { OutgoingContent } from '../common/vault-api.js';
import { groupFromEngine, profileFromEngine } from './content-mapping.js';
import type { GroupKeys } from './group-keys.js';
import type { SenderCertificates } from './sender-certificates.js';
import type { Sessions } from './sessions.js';
import type { UnlockedContext } from './unlocked-context.js';
import { protocolError } from './vault-errors.js';

export interface EncryptRequest {
  readonly recipient: AccountId;
  readonly content: OutgoingContent;
  readonly sealed: boolean;
  readonly relayUrl: string;
}

export class OutgoingMessages {
  readonly #context: UnlockedContext;
  readonly #sessions: Sessions;
  readonly #certificates: SenderCertificates;
  readonly #groups: GroupKeys;

  constructor(context: UnlockedContext, sessions: Sessions, certificates: SenderCertificates, groups: GroupKeys) {
    this.#context = context;
    this.#sessions = sessions;
    this.#certificates = certificates;
    this.#groups = groups;
  }

  /**
   * Engine content to padded plaintext: a profile's key and group changes
   * travel as base64 to here; a sender-key request becomes the content with
   * our distribution message (inside the caller's transaction: it may write
   * the chain).
   */
  async #plaintext(content: OutgoingContent): Promise<Bytes> {
    switch (content.type) {
      case 'profile':
        return encodeContent(profileFromEngine(content));
      case 'group':
        return encodeContent(groupFromEngine(content));
      case 'sender-key':
        return encodeContent(await this.#groups.senderKeyContent(content.groupId, content.distributionId));
      default:
        return encodeContent(content);
    }
  }

  async encrypt(request: EncryptRequest): Promise<{ messages: OutgoingMessage[] }> {
    const { records, sessions } = this.#context;
    const devices = await this.#sessions.devices(request.recipient);
    if (devices.length === 0) {
      throw protocolError(ApiErrorCode.NoSession, 'no session with any device of the recipient: start sessions first');
    }
    const sealing = request.sealed ? this.#certificates.require(request.relayUrl) : null;
    const cipher = sealing === null ? null : this.#certificates.cipherFor(sealing);
    const messages = await records.transaction(async () => {
      const plaintext = await this.#plaintext(request.content);
      const out: OutgoingMessage[] = [];
      for (const deviceId of devices) {
        const remote = { accountId: request.recipient, deviceId };
        if (cipher !== null && sealing !== null) {
          // Judged by the relay's clock: the certificate's expiry is the relay's time.
          const body = await cipher.encrypt(
            remote,
            plaintext,
            sealing.certificate,
            this.#certificates.relayNow(sealing),
          );
          out.push({ deviceId, type: 'sealed', content: toBase64(body) });
        } else {
          const { type, body } = await sessions.encrypt(remote, plaintext);
          out.push({ deviceId, type, content: toBase64(body) });
        }
      }
      return out;
    });
    return { messages };
  }
}
