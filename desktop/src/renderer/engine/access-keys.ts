/**
 * This account's access keys (docs/protocol.md §4.7): the code key, which
 * goes in the contact code, and the contact key, which contacts receive in a
 * `profile`. Made here (16 random bytes each) the first time a profile starts
 * without them, kept in the settings table (sealed at rest; a backup carries
 * them), and registered with the home relay (`PUT /v1/accounts/me/access-keys`,
 * at every connect)
 * until the relay confirmed exactly these keys. "Reset contact code" makes a
 * new code key, registers it, and keeps the old keys when the relay refuses.
 */
import { fromBase64, toBase64 } from '@parley/crypto-core/encoding';
import { ACCESS_KEY_BYTES, type AccountId, formatContactCode } from '@parley/crypto-core/wire';
import type { Clock } from './clock.js';
import { isAcceptedContact, profileItem } from './contact-access.js';
import type { EngineDatabase } from './database.js';
import { describeError } from './errors.js';
import type { EngineLogger } from './logger.js';
import type { OwnAccessKeys } from './records.js';
import type { RelayTokens } from './relay-auth.js';
import type { RelayHttpClient } from './relay-http.js';

/** Wait before registering again after a failure (a start, or the connection coming up, also retries). */
const RETRY_MS = 30_000;
/** Wait before looking again whether the profiles an upgrade queued have gone out. */
const PROFILES_PENDING_MS = 1000;

export function newAccessKey(): string {
  return toBase64(crypto.getRandomValues(new Uint8Array(ACCESS_KEY_BYTES)));
}

/**
 * The profile's access keys, made and stored the first time (new identities,
 * and those from before access keys). A profile from before access keys may
 * have contacts already, who hold no key for it: each is sent our profile,
 * queued here, and the keys are registered only once those went out
 * (AccessKeyRegistration), while the account still accepts sends without a
 * key, so that contacts who upgraded first and registered their own keys
 * can still be told (they sent us theirs the same way).
 */
export async function ensureAccessKeys(db: EngineDatabase, now: () => number): Promise<OwnAccessKeys> {
  return db.dexie.transaction('rw', [db.settings, db.contacts, db.outbox], async () => {
    const stored = await db.getSetting('accessKeys');
    if (stored !== undefined) return stored;
    const keys: OwnAccessKeys = { codeKey: newAccessKey(), contactKey: newAccessKey() };
    await db.putSetting('accessKeys', keys);
    const contacts = (await db.contacts.toArray()).filter(isAcceptedContact);
    if (contacts.length > 0) await db.outbox.bulkAdd(contacts.map(({ accountId }) => profileItem(accountId, now())));
    return keys;
  });
}

/** This account's contact code on `relayUrl`, with the code key in it. */
export function ownContactCode(accountId: AccountId, relayUrl: string, keys: OwnAccessKeys): string {
  return formatContactCode({ accountId, relayUrl, accessKey: fromBase64(keys.codeKey) });
}

function sameKeys(a: OwnAccessKeys | undefined, b: OwnAccessKeys): boolean {
  return a !== undefined && a.codeKey === b.codeKey && a.contactKey === b.contactKey;
}

export class AccessKeyRegistration {
  #work: Promise<void> = Promise.resolve();
  #timer: ReturnType<typeof setTimeout> | null = null;
  #stopped = false;

  constructor(
    private readonly db: EngineDatabase,
    private readonly http: RelayHttpClient,
    private readonly tokens: RelayTokens,
    private readonly context: { readonly clock: Clock; readonly logger: EngineLogger },
  ) {}

  /** Registers the stored keys unless the relay confirmed them already; a failure is retried later. */
  ensureRegistered(): void {
    if (this.#stopped) return;
    this.#work = this.#work.then(async () => {
      try {
        if (await this.#registerStored()) return;
        this.#retryLater(PROFILES_PENDING_MS);
      } catch (error) {
        this.context.logger.warn('registering the access keys failed', { error: describeError(error) });
        this.#retryLater(RETRY_MS);
      }
    });
  }

  /** Resolves when no registration is in progress (tests, shutdown). */
  async idle(): Promise<void> {
    await this.#work;
  }

  stop(): void {
    this.#stopped = true;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
  }

  /**
   * A new code key: registered first, stored only once the relay accepted it,
   * so a failure (thrown) leaves the old code working. The contact key stays:
   * contacts keep reaching us.
   */
  async resetCodeKey(): Promise<OwnAccessKeys> {
    return this.#replace((current) => ({ codeKey: newAccessKey(), contactKey: current.contactKey }));
  }

  /**
   * Blocking (message-requests.ts): a new contact key, and a new code key too
   * when the blocked account may hold our code, registered before they are
   * stored, as for a reset. `stored` runs in the transaction that stores them
   * (it queues the new contact key to every remaining contact), so keys and
   * profiles are saved together or not at all.
   */
  async rotateForBlock(newCode: boolean, stored: (keys: OwnAccessKeys) => Promise<void>): Promise<OwnAccessKeys> {
    return this.#replace(
      (current) => ({ codeKey: newCode ? newAccessKey() : current.codeKey, contactKey: newAccessKey() }),
      stored,
    );
  }

  async #replace(
    next: (current: OwnAccessKeys) => OwnAccessKeys,
    stored?: (keys: OwnAccessKeys) => Promise<void>,
  ): Promise<OwnAccessKeys> {
    const run = this.#work.then(async () => {
      const keys = next(await ensureAccessKeys(this.db, () => this.context.clock.now()));
      await this.tokens.withToken((token) => this.http.setAccessKeys(token, keys));
      await this.#recordRegistered(keys, true, stored);
      return keys;
    });
    this.#work = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  /** False while profiles wait in the outbox for a relay that has no keys of ours yet (try again soon). */
  async #registerStored(): Promise<boolean> {
    const keys = await ensureAccessKeys(this.db, () => this.context.clock.now());
    if (sameKeys(await this.db.getSetting('accessKeysRegistered'), keys)) return true;
    if ((await this.db.outbox.filter((item) => item.kind === 'profile').count()) > 0) return false;
    await this.tokens.withToken((token) => this.http.setAccessKeys(token, keys));
    await this.#recordRegistered(keys, false);
    this.context.logger.info('access keys registered with the relay');
    return true;
  }

  async #recordRegistered(
    keys: OwnAccessKeys,
    replace: boolean,
    stored?: (keys: OwnAccessKeys) => Promise<void>,
  ): Promise<void> {
    await this.db.dexie.transaction('rw', [this.db.settings, this.db.contacts, this.db.outbox], async () => {
      if (replace) await this.db.putSetting('accessKeys', keys);
      await this.db.putSetting('accessKeysRegistered', keys);
      await stored?.(keys);
    });
  }

  #retryLater(delayMs: number): void {
    if (this.#stopped || this.#timer !== null) return;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.ensureRegistered();
    }, delayMs);
  }
}
