/**
 * Sending a group text (docs/protocol.md §4.9, §5 Groups, §10 Sender keys):
 * the recipients are the joined members of our fold but us. Before the text
 * goes, every one of them must hold our current sender key: those not in the
 * group's `distributedTo` get a `sender-key` outbox item (sent 1:1 like any
 * direct content, to the member's relay with the key the group or contact
 * record holds; the outbox adds them to `distributedTo` once the relay
 * accepted it), and the text waits for them. Then the vault encrypts it once
 * under our chain and seals it per relay (encryptGroup), and each relay gets
 * one POST /v1/messages/multi-recipient: the home relay with our token,
 * another relay with each recipient's access key. DEVICE_MISMATCH fetches
 * bundles for missing and re-registered devices, leaves out extra ones, and
 * seals again. Relays that committed it are remembered on the item, so a
 * retry after a partial failure goes only to the others.
 */

import type { AccountId, MultiRecipientSendResponse, RecipientDeviceMismatch } from '@parley/crypto-core/wire';
import { RelayErrorCode } from '@parley/crypto-core/wire';
import type { VaultResults } from '../../../common/vault-api.js';
import { contactAccessKey } from '../contact-access.js';
import type { EngineDatabase } from '../database.js';
import { EngineError, EngineErrorCode } from '../errors.js';
import type { RelayOf } from '../outbox-delivery.js';
import type { GroupRecord, OutboxGroupTextRecord, OutboxSenderKeyRecord } from '../records.js';
import type { RelayTokens } from '../relay-auth.js';
import { canonicalRelay, type RelayDirectory } from '../relay-directory.js';
import { RelayCallError } from '../relay-errors.js';
import type { SessionManager } from '../sessions.js';
import { textExtras } from '../text-extras.js';
import type { VaultGateway } from '../vault-calls.js';
import { newGroupItem } from './group-outbox.js';

export type GroupSendOutcome =
  /** Every relay committed it: `recipients` are the members it was sealed for. */
  | { readonly kind: 'sent'; readonly serverTimestamp: number; readonly recipients: readonly AccountId[] }
  /**
   * Members still lack our sender key: the text waits. `requeued`: some had
   * no sender-key item queued any more (first send, or it failed), and one
   * was queued again (the text counts an attempt, so it cannot wait forever).
   */
  | { readonly kind: 'distributing'; readonly requeued: boolean }
  /** The message is gone or no longer to be sent. */
  | { readonly kind: 'nothing' }
  /** An upload to `relayUrl` failed (the relays before it may have committed: remembered on the item). */
  | { readonly kind: 'failed'; readonly relayUrl: string; readonly error: unknown };

type Upload = VaultResults['encryptGroup']['uploads'][number];

/** Rounds of "seal, upload, repair devices" in one attempt. */
const MAX_SEAL_ROUNDS = 3;

/** The joined members of a group but `self`: who a group message goes to. */
export function groupRecipients(group: GroupRecord, self: AccountId): AccountId[] {
  return (group.state?.members ?? [])
    .filter((member) => member.status === 'joined' && member.accountId !== self)
    .map((member) => member.accountId);
}

export class GroupSender {
  constructor(
    private readonly db: EngineDatabase,
    private readonly vault: VaultGateway,
    private readonly sessions: SessionManager,
    private readonly relays: RelayDirectory,
    private readonly tokens: RelayTokens,
    private readonly context: { readonly self: AccountId; readonly relayUrl: string; readonly now: () => number },
  ) {}

  async send(item: OutboxGroupTextRecord, relayOf: RelayOf): Promise<GroupSendOutcome> {
    const message = await this.db.messages.get(item.messageId);
    if (message === undefined || message.body === null) return { kind: 'nothing' };
    if (message.state !== 'sending' && message.state !== 'failed') return { kind: 'nothing' };
    const group = await this.db.groups.get(item.groupId);
    if (group === undefined || group.membership !== 'joined') {
      throw new EngineError(EngineErrorCode.GroupChangeNotAllowed, 'we are no member of this group any more');
    }
    const recipients = groupRecipients(group, this.context.self);
    if (recipients.length === 0) return { kind: 'sent', serverTimestamp: this.context.now(), recipients };

    const distribution = await this.#distribution(group);
    const missing = recipients.filter((member) => !distribution.distributedTo.includes(member));
    if (missing.length > 0) {
      const requeued = await this.#queueDistribution(group.groupId, distribution.distributionId, missing);
      return { kind: 'distributing', requeued };
    }

    const content = {
      type: 'text' as const,
      id: message.id,
      sentAt: message.sentAt,
      body: message.body,
      groupId: group.groupId,
      ...textExtras(message),
    };
    let pending = recipients.filter((member) => !item.relaysDone.includes(relayOf(member)));
    const devices = new Map<AccountId, number[]>();
    let serverTimestamp = 0;
    for (let round = 0; pending.length > 0; round++) {
      if (round === MAX_SEAL_ROUNDS) {
        return { kind: 'failed', relayUrl: this.context.relayUrl, error: new Error('devices kept changing') };
      }
      const byRelay = new Map<string, AccountId[]>();
      for (const member of pending) byRelay.set(relayOf(member), [...(byRelay.get(relayOf(member)) ?? []), member]);
      const sealed = await this.vault.call('encryptGroup', {
        groupId: group.groupId,
        content,
        relayUrl: this.context.relayUrl,
        relays: [...byRelay].map(([relayUrl, members]) => ({
          relayUrl,
          recipients: members.map((accountId) => {
            const only = devices.get(accountId);
            return only === undefined ? { accountId } : { accountId, devices: only };
          }),
        })),
      });
      if (sealed.noSession.length > 0) {
        for (const accountId of sealed.noSession) await this.sessions.establish(accountId);
        continue;
      }
      const results = await Promise.allSettled(sealed.uploads.map((upload) => this.#upload(upload)));
      const mismatched: { upload: Upload; mismatches: readonly RecipientDeviceMismatch[] }[] = [];
      let failure: GroupSendOutcome | null = null;
      for (const [index, result] of results.entries()) {
        const upload = sealed.uploads[index] as Upload;
        if (result.status === 'fulfilled') {
          serverTimestamp = Math.max(serverTimestamp, result.value.serverTimestamp);
          item.relaysDone = [...item.relaysDone, canonicalRelay(upload.relayUrl)];
        } else if (RelayCallError.is(result.reason, RelayErrorCode.DeviceMismatch)) {
          mismatched.push({ upload, mismatches: result.reason.relayError?.mismatches ?? [] });
        } else {
          failure ??= { kind: 'failed', relayUrl: upload.relayUrl, error: result.reason };
        }
      }
      const done = item.relaysDone;
      if (item.seq !== undefined) {
        await this.db.outbox.update(item.seq, (row) => {
          if (row.kind === 'group-text') row.relaysDone = done;
        });
      }
      if (failure !== null) return failure;
      for (const { upload, mismatches } of mismatched) await this.#repair(upload, mismatches, devices);
      pending = pending.filter((member) => !item.relaysDone.includes(relayOf(member)));
    }
    return { kind: 'sent', serverTimestamp: serverTimestamp || this.context.now(), recipients };
  }

  /**
   * Our current distribution for the group, as the vault holds it. None
   * recorded (first message, or a member left since: group-store.ts cleared
   * it) makes a new one; an id other than the recorded one (a restore)
   * starts `distributedTo` over.
   */
  async #distribution(group: GroupRecord): Promise<{ distributionId: string; distributedTo: readonly AccountId[] }> {
    const { distributionId } = await this.vault.call('groupDistribution', {
      groupId: group.groupId,
      rotate: group.distributionId === null,
    });
    if (distributionId === group.distributionId) return { distributionId, distributedTo: group.distributedTo };
    await this.db.groups.update(group.groupId, { distributionId, distributedTo: [] });
    return { distributionId, distributedTo: [] };
  }

  /** Queues our sender key to each member without one queued; answers whether any was queued. */
  async #queueDistribution(groupId: string, distributionId: string, members: readonly AccountId[]): Promise<boolean> {
    return this.db.dexie.transaction('rw', ['outbox'], async () => {
      const items: OutboxSenderKeyRecord[] = [];
      const now = this.context.now();
      for (const recipient of members) {
        const queued = await this.db.outbox.where('recipient').equals(recipient).toArray();
        const waiting = queued.some(
          (entry) =>
            entry.kind === 'sender-key' && entry.groupId === groupId && entry.distributionId === distributionId,
        );
        if (waiting) continue;
        items.push({ kind: 'sender-key', groupId, distributionId, ...newGroupItem(recipient, groupId, now) });
      }
      if (items.length > 0) await this.db.outbox.bulkAdd(items);
      return items.length > 0;
    });
  }

  async #upload(upload: Upload): Promise<MultiRecipientSendResponse> {
    const recipients = await Promise.all(
      upload.devices.map(async ({ accountId }) => {
        const accessKey = await contactAccessKey(this.db, accountId);
        return accessKey === null ? { accountId } : { accountId, accessKey };
      }),
    );
    const request = { payload: upload.payload, recipients, ephemeral: false };
    const http = this.relays.client(upload.relayUrl);
    if (this.relays.isHome(upload.relayUrl)) {
      return this.tokens.withToken((token) => http.sendMultiRecipient(token, request));
    }
    return http.sendMultiRecipient(null, request);
  }

  /**
   * DEVICE_MISMATCH (§4.9 step 6): sessions for missing and re-registered
   * devices from fresh bundles, extra devices left out of the next seal.
   */
  async #repair(
    upload: Upload,
    mismatches: readonly RecipientDeviceMismatch[],
    devices: Map<AccountId, number[]>,
  ): Promise<void> {
    for (const mismatch of mismatches) {
      const fresh = [...mismatch.missingDevices, ...mismatch.staleDevices];
      const added = fresh.length > 0 ? await this.sessions.establish(mismatch.accountId, fresh) : [];
      this.sessions.markGone(mismatch.accountId, mismatch.extraDevices);
      const sealedFor = upload.devices.find((entry) => entry.accountId === mismatch.accountId)?.deviceIds ?? [];
      const kept = [...new Set([...sealedFor, ...added])].filter((id) => !mismatch.extraDevices.includes(id));
      if (kept.length > 0)
        devices.set(
          mismatch.accountId,
          kept.sort((a, b) => a - b),
        );
      else devices.delete(mismatch.accountId);
    }
  }
}
