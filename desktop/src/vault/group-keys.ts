/**
 * What the vault does for groups with the keys it holds (docs/protocol.md §5
 * Groups, §10): signs the group changes we make, keeps our sender-key chain
 * per group (its distribution id in the store, `groupDistribution` records),
 * builds the `sender-key` content that hands a member our chain (the
 * distribution message never leaves the vault except inside that content,
 * encrypted), and seals group messages for the members' devices, one SSv2
 * upload per relay.
 */
import {
  type Bytes,
  GroupCipher,
  newDistributionId,
  type SenderKeyContent,
  signGroupChange,
} from '@parley/crypto-core';
import { toBase64 } from '@parley/crypto-core/encoding';
import type { AccountId } from '@parley/crypto-core/wire';
import { ApiErrorCode } from '../common/api-errors.js';
import type { ParsedVaultArgs, VaultResults } from '../common/vault-api.js';
import { RecordKinds } from './record-kinds.js';
import type { SenderCertificates } from './sender-certificates.js';
import type { Sessions } from './sessions.js';
import type { UnlockedContext } from './unlocked-context.js';
import { protocolError } from './vault-errors.js';

export class GroupKeys {
  readonly #context: UnlockedContext;
  readonly #sessions: Sessions;
  readonly #certificates: SenderCertificates;
  readonly #cipher: GroupCipher;

  constructor(context: UnlockedContext, sessions: Sessions, certificates: SenderCertificates) {
    this.#context = context;
    this.#sessions = sessions;
    this.#certificates = certificates;
    this.#cipher = new GroupCipher(context.store, context.local);
  }

  author(): VaultResults['groupAuthor'] {
    const { identity } = this.#context;
    return { accountId: identity.accountId, identityKey: toBase64(identity.identityKey) };
  }

  /** Signs a body naming our key (crypto-core refuses any other with ACCOUNT_ID_MISMATCH). */
  sign(body: Bytes): VaultResults['signGroupChange'] {
    return { signature: toBase64(signGroupChange(this.#context.identity, body).signature) };
  }

  /** Our current distribution id for the group, made (chain included) on first use or when rotating. */
  async distribution(groupId: string, rotate: boolean): Promise<VaultResults['groupDistribution']> {
    const { records, now } = this.#context;
    const current = records.get(RecordKinds.groupDistribution, groupId);
    if (current !== undefined && !rotate) return { distributionId: current.distributionId, created: false };
    const distributionId = newDistributionId();
    await records.transaction(async () => {
      // Making the distribution message creates the chain, so a group message never meets NO_SENDER_KEY.
      await this.#cipher.createDistributionMessage(distributionId);
      records.set(RecordKinds.groupDistribution, [groupId], { distributionId, createdAt: now() });
    });
    return { distributionId, created: true };
  }

  /**
   * The `sender-key` content for our chain `distributionId` of the group,
   * which must still be the current one (STALE_SENDER_KEY otherwise). Call
   * inside a records transaction: it may write the chain.
   */
  async senderKeyContent(groupId: string, distributionId: string): Promise<SenderKeyContent> {
    const current = this.#context.records.get(RecordKinds.groupDistribution, groupId);
    if (current?.distributionId !== distributionId) {
      throw protocolError(
        ApiErrorCode.StaleSenderKey,
        'this is not our current sender key for the group (rotated since): nothing sent',
      );
    }
    const senderKeyDistribution = await this.#cipher.createDistributionMessage(distributionId);
    return { type: 'sender-key', groupId, senderKeyDistribution };
  }

  /**
   * Encrypts `plaintext` once per relay under our current chain and seals it
   * for that relay's recipients' devices. When a recipient has no session,
   * nothing is encrypted (the chain does not move) and `noSession` names them.
   */
  async encrypt(
    request: Omit<ParsedVaultArgs<'encryptGroup'>, 'content'>,
    plaintext: Bytes,
  ): Promise<VaultResults['encryptGroup']> {
    const { records } = this.#context;
    const current = records.get(RecordKinds.groupDistribution, request.groupId);
    if (current === undefined) {
      throw protocolError(ApiErrorCode.NoSenderKey, 'no sender key for this group yet: call groupDistribution first');
    }
    const distributionId = current.distributionId;
    const plans: { relayUrl: string; devices: { accountId: AccountId; deviceIds: number[] }[] }[] = [];
    const noSession: AccountId[] = [];
    for (const relay of request.relays) {
      const devices: { accountId: AccountId; deviceIds: number[] }[] = [];
      for (const recipient of relay.recipients) {
        const withSession = await this.#sessions.devices(recipient.accountId);
        const wanted = recipient.devices ?? withSession;
        if (wanted.length === 0 || wanted.some((deviceId) => !withSession.includes(deviceId))) {
          noSession.push(recipient.accountId);
        } else {
          devices.push({ accountId: recipient.accountId, deviceIds: [...wanted].sort((a, b) => a - b) });
        }
      }
      plans.push({ relayUrl: relay.relayUrl, devices });
    }
    if (noSession.length > 0) return { distributionId, uploads: [], noSession };
    const sealing = this.#certificates.require(request.relayUrl);
    const cipher = this.#certificates.cipherFor(sealing);
    const uploads = await records.transaction(async () => {
      const out: VaultResults['encryptGroup']['uploads'] = [];
      for (const plan of plans) {
        const recipients = plan.devices.flatMap(({ accountId, deviceIds }) =>
          deviceIds.map((deviceId) => ({ accountId, deviceId })),
        );
        const payload = await cipher.encryptForGroup(
          { groupId: request.groupId, distributionId, plaintext, recipients },
          sealing.certificate,
          this.#certificates.relayNow(sealing),
        );
        out.push({ relayUrl: plan.relayUrl, payload: toBase64(payload), devices: plan.devices });
      }
      return out;
    });
    return { distributionId, uploads, noSession: [] };
  }
}
