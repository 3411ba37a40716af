/**
 * Contacts: adding one from a contact code (parse strictly, fetch bundles
 * from the code's relay with the code's access key, check them, start
 * sessions, then store the contact with that key, the relay it lives on and
 * its direct conversation, and queue our profile to it; adding someone whose
 * message request came first accepts it), naming, and the verified flag. The
 * code's relay may be any relay: one that is not our home is reached without
 * an account there (relay-directory.ts).
 */
import { toBase64 } from '@parley/crypto-core/encoding';
import { type AccountId, type ContactCode, parseContactCode } from '@parley/crypto-core/wire';
import type { Clock } from './clock.js';
import { profileItem } from './contact-access.js';
import { directConversationId } from './conversation-ids.js';
import type { EngineDatabase } from './database.js';
import { EngineError, EngineErrorCode } from './errors.js';
import type { ContactRecord, ConversationRecord } from './records.js';
import { canonicalRelay } from './relay-directory.js';
import { relayFailureError } from './relay-errors-map.js';
import { type Reach, type SessionManager, sessionError } from './sessions.js';
import type { VaultGateway } from './vault-calls.js';
import { vaultFailureError } from './vault-errors-map.js';

export const MAX_DISPLAY_NAME_LENGTH = 100;

export interface AddedContact {
  readonly contact: ContactRecord;
  readonly conversationId: string;
  /** Devices a session now exists with. */
  readonly devices: readonly number[];
}

function cleanDisplayName(name: string | undefined): string | null {
  if (name === undefined) return null;
  const trimmed = name.replace(/\s+/g, ' ').trim();
  if (trimmed.length === 0) return null;
  return trimmed.slice(0, MAX_DISPLAY_NAME_LENGTH);
}

export class ContactBook {
  constructor(
    private readonly db: EngineDatabase,
    private readonly sessions: SessionManager,
    private readonly vault: VaultGateway,
    private readonly context: {
      readonly homeRelayUrl: string;
      readonly ownAccountId: AccountId;
      readonly clock: Clock;
      /** Fetches and pins the contact's relay's trust root (trust-roots.ts): its certificates vouch for the contact. */
      readonly pinRelay: (relayUrl: string) => Promise<unknown>;
    },
  ) {}

  async add(contactCode: string, displayName?: string): Promise<AddedContact> {
    let code: ContactCode;
    try {
      code = parseContactCode(contactCode);
    } catch (error) {
      throw new EngineError(EngineErrorCode.InvalidContactCode, 'this is not a Parley contact code', error);
    }
    if (code.accountId === this.context.ownAccountId) {
      throw new EngineError(EngineErrorCode.OwnContactCode, 'this is your own contact code');
    }
    const relayUrl = canonicalRelay(code.relayUrl);
    // A code from before access keys has none: that reaches only an account that registered none either.
    const accessKey = code.accessKey === null ? null : toBase64(code.accessKey);
    if (accessKey === null && relayUrl !== canonicalRelay(this.context.homeRelayUrl)) {
      // Another relay lets in a sender without an account there only with a key (protocol §4.7).
      throw new EngineError(
        EngineErrorCode.ForeignRelay,
        `this contact code (on ${relayUrl}) is from an older Parley and cannot reach another relay: ask for their current code`,
      );
    }
    // Before anything is stored: a relay that changed its trust root is refused here (TRUST_ROOT_CHANGED).
    await this.#pinRelay(relayUrl);
    let devices: number[];
    try {
      devices = await this.#sessionDevices(code.accountId, { accessKey, relayUrl });
    } catch (error) {
      const mapped = sessionError(error, relayUrl);
      if (EngineError.is(mapped)) throw mapped;
      throw relayFailureError(mapped) ?? vaultFailureError(mapped);
    }
    const now = this.context.clock.now();
    const conversationId = directConversationId(code.accountId);
    const name = cleanDisplayName(displayName);
    const contact = await this.db.dexie.transaction('rw', ['contacts', 'conversations', 'outbox'], async () => {
      const existing = await this.db.contacts.get(code.accountId);
      const record: ContactRecord = existing ?? {
        accountId: code.accountId,
        displayName: name,
        relayUrl,
        verified: false,
        origin: 'contact-code',
        addedAt: now,
        accessKey,
        accessDeniedAt: null,
        status: 'accepted',
        blockedAt: null,
        profileName: null,
        profileAvatar: null,
      };
      if (existing !== undefined && name !== null) record.displayName = name;
      // A code says where they live now (someone who wrote first was taken to be on our relay).
      record.relayUrl = relayUrl;
      // Adding someone whose request (or profile) came first accepts them: they get our profile now.
      const accepting = existing !== undefined && existing.status === 'request';
      if (accepting) record.status = 'accepted';
      // Their contact key (from a profile) outlives code resets: a code key replaces it only when it fails.
      const rekeyed = existing !== undefined && accessKey !== null && (existing.accessKey ?? null) === null;
      const refused = existing !== undefined && (existing.accessDeniedAt ?? null) !== null;
      if (rekeyed || refused) {
        record.accessKey = accessKey;
        record.accessDeniedAt = null;
      }
      await this.db.contacts.put(record);
      // Our contact key goes first, before any text: the same outbox keeps the order.
      if (existing === undefined || refused || accepting) await this.db.outbox.add(profileItem(code.accountId, now));
      if ((await this.db.conversations.get(conversationId)) === undefined) {
        const conversation: ConversationRecord = {
          id: conversationId,
          kind: 'direct',
          peerId: code.accountId,
          title: null,
          lastActivityAt: now,
          lastSortKey: '',
          unreadCount: 0,
          preview: null,
          createdAt: now,
        };
        await this.db.conversations.add(conversation);
      }
      return record;
    });
    return { contact, conversationId, devices };
  }

  /** Existing sessions when the contact is known already (adding again must not reset them), else new ones. */
  async #pinRelay(relayUrl: string): Promise<void> {
    try {
      await this.context.pinRelay(relayUrl);
    } catch (error) {
      if (EngineError.is(error)) throw error;
      throw relayFailureError(error) ?? vaultFailureError(error);
    }
  }

  async #sessionDevices(accountId: AccountId, reach: Reach): Promise<number[]> {
    if ((await this.db.contacts.get(accountId)) !== undefined) {
      const { devices } = await this.vault.call('getSessionDevices', { accountId });
      if (devices.length > 0) return devices;
    }
    return this.sessions.establish(accountId, undefined, reach);
  }

  async rename(accountId: AccountId, displayName: string): Promise<void> {
    const updated = await this.db.contacts.update(accountId, { displayName: cleanDisplayName(displayName) });
    if (updated === 0) throw new EngineError(EngineErrorCode.UnknownAccount, 'no such contact');
  }

  /** Records that safety numbers were compared (or that the mark was withdrawn). */
  async setVerified(accountId: AccountId, verified: boolean): Promise<void> {
    if ((await this.db.contacts.get(accountId)) === undefined) {
      throw new EngineError(EngineErrorCode.UnknownAccount, 'no such contact');
    }
    try {
      await this.vault.call('setVerified', { accountId, verified });
    } catch (error) {
      throw vaultFailureError(error);
    }
    await this.db.contacts.update(accountId, { verified });
  }
}
