import type { AccountId } from '@parley/crypto-core/wire';
import { describe, expect, it } from 'vitest';
import { AccountCache } from '../../src/storage/account-cache.js';
import type { StoredAccount } from '../../src/storage/relay-store.js';

function account(label: string): StoredAccount {
  return {
    accountId: label.repeat(32) as AccountId,
    identityKey: 'BQ==',
    createdAt: 1,
    devices: [
      { deviceId: 1, registrationId: 7, createdAt: 1, installationId: null, generation: 'AAAAAAAAAAAAAAAAAAAAAA==' },
    ],
    accessKeys: { codeKeyHash: 'AQ==', contactKeyHash: 'Ag==' },
  };
}

describe('AccountCache', () => {
  it('evicts the least recently used account when full', () => {
    const cache = new AccountCache(2);
    const [a, b, c] = [account('a'), account('b'), account('c')];
    cache.remember(a);
    cache.remember(b);
    expect(cache.get(a.accountId)).toStrictEqual(a); // a is now the most recently used
    cache.remember(c);
    expect(cache.size).toBe(2);
    expect(cache.get(b.accountId)).toBeUndefined();
    expect(cache.get(a.accountId)).toStrictEqual(a);
    expect(cache.get(c.accountId)).toStrictEqual(c);
  });

  it('keeps a frozen copy, so neither the caller nor a reader can change an entry', () => {
    const cache = new AccountCache(10);
    const original = account('a');
    const kept = cache.remember(original);
    expect(kept).not.toBe(original);
    expect(Object.isFrozen(kept.devices[0])).toBe(true);
    expect(Object.isFrozen(kept.accessKeys)).toBe(true);
    expect(cache.get(original.accountId)).toBe(kept);
  });

  it('forgets one account or all', () => {
    const cache = new AccountCache(10);
    cache.remember(account('a'));
    cache.remember(account('b'));
    cache.forget(account('a').accountId);
    expect(cache.get(account('a').accountId)).toBeUndefined();
    expect(cache.size).toBe(1);
    cache.clear();
    expect(cache.size).toBe(0);
  });
});
