import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { beforeEach, describe, expect, it } from 'vitest';
import { type SqliteSynchronousLevel, withoutCommitFlush } from '../../src/storage/sqlite-durability.js';
import { databaseFiles } from '../../src/storage/sqlite-files.js';
import { SqliteRelayStore } from '../../src/storage/sqlite-store.js';
import type { ClaimReport } from './child-bundle-claimer.js';
import { describeRelayStoreAccessKeysContract } from './relay-store-access-keys-contract.js';
import { describeRelayStoreContract, type RelayStoreHarness } from './relay-store-contract.js';
import { describeRelayStoreLimitsContract } from './relay-store-limits-contract.js';
import { temporaryFolder, useSqliteFolder } from './sqlite-folder.js';
import { findResidueInDatabase, findResidueInFiles } from './sqlite-inspection.js';
import {
  kyberPreKeys,
  NOW,
  newEnvelope,
  newIdentity,
  oneTimePreKeys,
  registration,
  type TestIdentity,
} from './store-fixtures.js';
import { spawnTsChild } from './ts-child.js';

async function sqliteHarness(): Promise<RelayStoreHarness> {
  const folder = await temporaryFolder();
  const dataDir = join(folder, 'data');
  const store = new SqliteRelayStore({ dataDir });
  return {
    store,
    findResidue: async (needles) => findResidueInDatabase(join(dataDir, 'relay.sqlite'), needles),
    dispose: () => rm(folder, { recursive: true, force: true }),
  };
}
describeRelayStoreContract('SqliteRelayStore', sqliteHarness);
describeRelayStoreLimitsContract('SqliteRelayStore', sqliteHarness);
describeRelayStoreAccessKeysContract('SqliteRelayStore', sqliteHarness);

describe('SqliteRelayStore specifics', () => {
  const sqlite = useSqliteFolder();
  const opened = sqlite.opened;
  let dataDir: string;
  beforeEach(() => {
    dataDir = sqlite.dataDir;
  });
  const open = sqlite.open;
  const databasePath = sqlite.databasePath;

  describe('account lookups', () => {
    it('sees registrations and deletions made through another connection to the file', async () => {
      const reader = await open({ accountCacheMaxStalenessMs: 0 });
      const writer = await open();
      const identity = newIdentity();
      expect(await reader.getAccount(identity.accountId)).toBeNull();
      await writer.registerDevice(registration(identity));
      expect((await reader.getAccount(identity.accountId))?.devices.map((device) => device.deviceId)).toEqual([1]);
      await writer.registerDevice(registration(identity, { deviceId: 2 }));
      expect((await reader.getAccount(identity.accountId))?.devices.map((device) => device.deviceId)).toEqual([1, 2]);
      await writer.deleteAccount(identity.accountId);
      expect(await reader.getAccount(identity.accountId)).toBeNull();
    });

    it('sees another connection’s changes within the cache’s staleness bound', async () => {
      const reader = await open({ accountCacheMaxStalenessMs: 50 });
      const writer = await open();
      const identity = newIdentity();
      await writer.registerDevice(registration(identity));
      expect(await reader.getAccount(identity.accountId)).not.toBeNull();
      await writer.deleteAccount(identity.accountId);
      await new Promise((resolve) => setTimeout(resolve, 60));
      expect(await reader.getAccount(identity.accountId)).toBeNull();
    });

    it('answers repeated lookups with an account no caller can change', async () => {
      const store = await open();
      const identity = newIdentity();
      await store.registerDevice(registration(identity));
      const first = await store.getAccount(identity.accountId);
      expect(Object.isFrozen(first)).toBe(true);
      expect(Object.isFrozen(first?.devices)).toBe(true);
      expect(Object.isFrozen(first?.devices[0])).toBe(true);
      expect(await store.getAccount(identity.accountId)).toStrictEqual(first);
    });
  });

  describe('batched acknowledgements', () => {
    it('commits acknowledgement deletes without a flush of their own, then restores the configured level', () => {
      const db = new Database(':memory:');
      try {
        db.pragma('synchronous = FULL');
        const level = () => Number(db.pragma('synchronous', { simple: true }));
        expect(withoutCommitFlush(db, 'FULL', level)).toBe(1);
        expect(level()).toBe(2);
        expect(() =>
          withoutCommitFlush(db, 'FULL', () => {
            throw new Error('the transaction failed');
          }),
        ).toThrow('the transaction failed');
        expect(level()).toBe(2);
        db.pragma('synchronous = EXTRA');
        expect(withoutCommitFlush(db, 'EXTRA', level)).toBe(1);
        expect(level()).toBe(3);
      } finally {
        db.close();
      }
    });

    it('keeps batched deletes across close and reopen (closing flushes them)', async () => {
      const store = new SqliteRelayStore({ dataDir });
      await store.init();
      const recipient = newIdentity().accountId;
      const [gone, kept] = await store.insertEnvelopes([newEnvelope(recipient), newEnvelope(recipient)]);
      expect(await store.deleteEnvelopesBatch([{ recipient, deviceId: 1, ids: [gone?.id ?? ''] }])).toEqual([1]);
      await store.close();
      const reopened = await open();
      expect(await reopened.fetchEnvelopes(recipient, 1, 0, 10, NOW)).toStrictEqual([kept]);
    });

    it('commits a batched delete whole or not at all', async () => {
      const store = await open();
      const recipient = newIdentity().accountId;
      const queued = await store.insertEnvelopes([newEnvelope(recipient), newEnvelope(recipient)]);
      const queuedIds = queued.map((envelope) => envelope.id);
      // A device id SQLite cannot bind makes the second statement throw after the first one ran.
      const unbindable = { recipient, deviceId: {} as unknown as number, ids: queuedIds };
      await expect(
        store.deleteEnvelopesBatch([{ recipient, deviceId: 1, ids: queuedIds.slice(0, 1) }, unbindable]),
      ).rejects.toThrow();
      expect(await store.fetchEnvelopes(recipient, 1, 0, 10, NOW)).toStrictEqual(queued);
      expect(await store.deleteEnvelopesBatch([{ recipient, deviceId: 1, ids: queuedIds }])).toEqual([2]);
    });
  });

  describe('erasure', () => {
    it('leaves no byte of a deleted account in the database files (secure_delete)', async () => {
      const doomed = newIdentity();
      const keeper = newIdentity();
      const doomedRegistration = registration(doomed, {
        preKeys: oneTimePreKeys(1, 20),
        kyberPreKeys: kyberPreKeys(1, 5),
      });
      const queued = [newEnvelope(doomed.accountId), newEnvelope(doomed.accountId, { contentBytes: 20_000 })];
      const needles = {
        bytes: [
          doomed.identityKeyBytes,
          ...doomedRegistration.preKeys.map((key) => Buffer.from(key.publicKey, 'base64')),
          ...doomedRegistration.kyberPreKeys.map((key) => Buffer.from(key.publicKey, 'base64').subarray(0, 64)),
        ],
        // Envelope content is stored as the base64 text it arrived as.
        strings: [doomed.accountId, ...queued.map((envelope) => envelope.content.slice(0, 64))],
      };

      const first = await open();
      await first.registerDevice(doomedRegistration);
      await first.registerDevice(registration(keeper));
      await first.insertEnvelopes([
        ...queued,
        newEnvelope(keeper.accountId, { source: { accountId: doomed.accountId, deviceId: 1 } }),
      ]);
      await first.close(); // checkpoints the WAL into the database file
      // The scan does see the account while it exists.
      expect(await findResidueInFiles(databaseFiles(databasePath()), needles)).toEqual([databasePath()]);

      const second = await open();
      expect(await second.deleteAccount(doomed.accountId)).toBe(true);
      await second.close();
      expect(await findResidueInFiles(databaseFiles(databasePath()), needles)).toEqual([]);
      expect(findResidueInDatabase(databasePath(), needles)).toEqual([]);
    });
  });

  describe('sweeps', () => {
    it('yields to the event loop between chunks of a large expiry sweep', async () => {
      const store = await open({ synchronous: 'NORMAL' });
      const recipient = newIdentity().accountId;
      await store.insertEnvelopes(
        Array.from({ length: 3000 }, () => newEnvelope(recipient, { contentBytes: 16, expiresAt: NOW })),
      );
      // An immediate queued before the sweep runs before the sweep resolves only if the sweep yields.
      let otherWorkRan = false;
      setImmediate(() => {
        otherWorkRan = true;
      });
      expect(await store.deleteExpiredEnvelopes(NOW)).toBe(3000);
      expect(otherWorkRan).toBe(true);
    });
  });

  describe('several processes', () => {
    it('every batch a writer reported as committed survives SIGKILL at a random moment', async () => {
      const recipient = newIdentity();
      const reported = new Set<string>();
      const rounds: SqliteSynchronousLevel[] = ['FULL', 'NORMAL', 'FULL'];
      for (const synchronous of rounds) {
        const child = spawnTsChild('./child-envelope-writer.ts', [dataDir, recipient.accountId, synchronous]);
        await child.waitForLine((line) => line === 'READY');
        const before = reported.size;
        await new Promise((resolve) => setTimeout(resolve, 50 + Math.random() * 300));
        child.process.kill('SIGKILL');
        const exit = await child.exited;
        expect(exit.signal).toBe('SIGKILL');
        for (const line of child.lines) {
          if (!line.startsWith('COMMITTED ')) continue;
          for (const id of line.slice('COMMITTED '.length).split(',')) reported.add(id);
        }
        expect(reported.size, `round ${synchronous}: the writer committed nothing before the kill`).toBeGreaterThan(
          before,
        );

        const store = await open();
        const present = new Set<string>();
        let cursor = 0;
        for (;;) {
          const page = await store.fetchEnvelopes(recipient.accountId, 1, cursor, 1000, NOW);
          if (page.length === 0) break;
          for (const envelope of page) present.add(envelope.id);
          cursor = page[page.length - 1]?.seq ?? cursor;
        }
        const lost = [...reported].filter((id) => !present.has(id));
        expect(lost).toEqual([]);
        await store.close();
        opened.splice(opened.indexOf(store), 1);
      }
      const observer = new Database(databasePath(), { readonly: true });
      expect(observer.pragma('integrity_check', { simple: true })).toBe('ok');
      observer.close();
    });

    it('two processes claiming from one file never receive the same key', async () => {
      const identity: TestIdentity = newIdentity();
      const setup = await open();
      await setup.registerDevice(
        registration(identity, { preKeys: oneTimePreKeys(1, 100), kyberPreKeys: kyberPreKeys(1, 100) }),
      );
      await setup.close();

      const children = [0, 1].map(() =>
        spawnTsChild('./child-bundle-claimer.ts', [dataDir, identity.accountId, '100']),
      );
      await Promise.all(children.map((child) => child.waitForLine((line) => line === 'READY')));
      for (const child of children) child.process.stdin?.write('GO\n');
      const reports = await Promise.all(
        children.map(async (child) => {
          const line = await child.waitForLine((text) => text.startsWith('RESULT '), 60_000);
          return JSON.parse(line.slice('RESULT '.length)) as ClaimReport;
        }),
      );
      await Promise.all(children.map((child) => child.exited));

      const preKeyIds = reports.flatMap((report) => report.preKeyIds);
      const kyberIds = reports.flatMap((report) => report.kyberPreKeyIds);
      expect(preKeyIds).toHaveLength(200);
      const handedOut = preKeyIds.filter((id) => id !== null);
      const handedOutKyber = kyberIds.filter((id) => id !== null);
      expect(handedOut).toHaveLength(100);
      expect(new Set(handedOut).size).toBe(100);
      expect(handedOutKyber).toHaveLength(100);
      expect(new Set(handedOutKyber).size).toBe(100);
      // Both really took part (otherwise the test proves nothing about concurrency).
      for (const report of reports) expect(report.preKeyIds.some((id) => id !== null)).toBe(true);

      const after = await open();
      expect(await after.countPreKeys(identity.accountId, 1)).toEqual({ preKeys: 0, kyberPreKeys: 0 });
    });
  });
});
