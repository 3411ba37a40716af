/**
 * Accounts recently read, least recently used first out. Every send looks up
 * its recipient's devices and every socket handshake its own account, and
 * those rows change only on registration, deletion and access-key changes, so the SQLite store
 * answers most lookups from here instead of the database (the lookup showed
 * as a tenth of the relay's time under load). The store decides when entries
 * are stale; this class only keeps them.
 *
 * Entries are frozen: callers share them, and none may change what the next
 * caller reads.
 */
import type { AccountId } from '@parley/crypto-core/wire';
import type { StoredAccount } from './relay-store.js';

export class AccountCache {
  /** Map iteration order is insertion order: the first key is the least recently used. */
  readonly #entries = new Map<AccountId, StoredAccount>();

  constructor(private readonly capacity: number) {}

  get(accountId: AccountId): StoredAccount | undefined {
    const entry = this.#entries.get(accountId);
    if (entry !== undefined) {
      this.#entries.delete(accountId);
      this.#entries.set(accountId, entry);
    }
    return entry;
  }

  /** Keeps a frozen copy and returns it. */
  remember(account: StoredAccount): StoredAccount {
    const frozen: StoredAccount = Object.freeze({
      ...account,
      devices: Object.freeze(account.devices.map((device) => Object.freeze({ ...device }))),
      accessKeys: account.accessKeys === null ? null : Object.freeze({ ...account.accessKeys }),
    });
    this.#entries.delete(account.accountId);
    if (this.#entries.size >= this.capacity) {
      const oldest = this.#entries.keys().next();
      if (oldest.done !== true) this.#entries.delete(oldest.value);
    }
    this.#entries.set(account.accountId, frozen);
    return frozen;
  }

  forget(accountId: AccountId): void {
    this.#entries.delete(accountId);
  }

  clear(): void {
    this.#entries.clear();
  }

  get size(): number {
    return this.#entries.size;
  }
}
