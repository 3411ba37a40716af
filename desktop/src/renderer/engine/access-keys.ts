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
import type { EngineDatabase } from './database.js';
import { describeError } from './errors.js';
import type { EngineLogger } from './logger.js';
import type { OwnAccessKeys } from './records.js';
import type { RelayTokens } from './relay-auth.js';
import type { RelayHttpClient } from './relay-http.js';

/** Wait before registering again after a failure (a start, or the connection coming up, also retries). */
const RETRY_MS = 30_000;

export function newAccessKey(): string {
  return toBase64(crypto.getRandomValues(new Uint8Array(ACCESS_KEY_BYTES)));
}

/** The profile's access keys, made and stored the first time (new identities, and those from before access keys). */
export async function ensureAccessKeys(db: EngineDatabase): Promise<OwnAccessKeys> {
  return db.dexie.transaction('rw', [db.settings], async () => {
    const stored = await db.getSetting('accessKeys');
    if (stored !== undefined) return stored;
    const keys: OwnAccessKeys = { codeKey: newAccessKey(), contactKey: newAccessKey() };
    await db.putSetting('accessKeys', keys);
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
    private readonly context: { readonly logger: EngineLogger },
  ) {}

  /** Registers the stored keys unless the relay confirmed them already; a failure is retried later. */
  ensureRegistered(): void {
    if (this.#stopped) return;
    this.#work = this.#work.then(async () => {
      try {
        await this.#registerStored();
      } catch (error) {
        this.context.logger.warn('registering the access keys failed', { error: describeError(error) });
        this.#retryLater();
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
    const run = this.#work.then(async () => {
      const current = await ensureAccessKeys(this.db);
      const next: OwnAccessKeys = { codeKey: newAccessKey(), contactKey: current.contactKey };
      await this.tokens.withToken((token) => this.http.setAccessKeys(token, next));
      await this.#recordRegistered(next, true);
      return next;
    });
    this.#work = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  async #registerStored(): Promise<void> {
    const keys = await ensureAccessKeys(this.db);
    if (sameKeys(await this.db.getSetting('accessKeysRegistered'), keys)) return;
    await this.tokens.withToken((token) => this.http.setAccessKeys(token, keys));
    await this.#recordRegistered(keys, false);
    this.context.logger.info('access keys registered with the relay');
  }

  async #recordRegistered(keys: OwnAccessKeys, replace: boolean): Promise<void> {
    await this.db.dexie.transaction('rw', [this.db.settings], async () => {
      if (replace) await this.db.putSetting('accessKeys', keys);
      await this.db.putSetting('accessKeysRegistered', keys);
    });
  }

  #retryLater(): void {
    if (this.#stopped || this.#timer !== null) return;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.ensureRegistered();
    }, RETRY_MS);
  }
}
