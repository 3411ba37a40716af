/**
 * `parley-relay migrate-to-postgres` through the real bin: a SQLite relay's
 * data (accounts, devices, keys, access keys, queues, send usage, invites,
 * challenges) arrives in PostgreSQL unchanged and usable, the counts are
 * printed, and the command refuses a target that holds data and commits
 * nothing when a count differs.
 */
import { createHash } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteRelayStore } from '../../src/storage/sqlite-store.js';
import { type BinResult, runBinAsync } from '../run-bin.js';
import {
  dropTestSchema,
  newPostgresStore,
  newTestSchemaName,
  TEST_POSTGRES_URL,
  withTestClient,
} from './postgres-harness.js';
import { temporaryFolder } from './sqlite-folder.js';
import { DAY_MS, NOW, newEnvelope, newIdentity, registration, type TestIdentity } from './store-fixtures.js';

function migrate(dataDir: string, schema: string): Promise<BinResult> {
  return runBinAsync([
    'migrate-to-postgres',
    '--data-dir',
    dataDir,
    '--postgres',
    TEST_POSTGRES_URL,
    '--postgres-schema',
    schema,
  ]);
}

/** The count the command printed for `table`, as [sqlite, postgres]. */
function printedCounts(stdout: string, table: string): [number, number] | undefined {
  const line = stdout.split('\n').find((candidate) => candidate.startsWith(`${table} `));
  const numbers = line?.trim().split(/\s+/).slice(1).map(Number);
  return numbers?.length === 2 ? [numbers[0] as number, numbers[1] as number] : undefined;
}

const hashOf = (code: string) => createHash('sha256').update(code).digest('base64');

describe('migrate-to-postgres', () => {
  let folder: string;
  let dataDir: string;
  let schema: string;
  let alice: TestIdentity;
  let bob: TestIdentity;
  let highestSeq: number;

  beforeEach(async () => {
    folder = await temporaryFolder();
    dataDir = join(folder, 'data');
    schema = newTestSchemaName();
    alice = newIdentity();
    bob = newIdentity();
    const sqlite = new SqliteRelayStore({ dataDir });
    await sqlite.init();
    await sqlite.registerDevice(registration(alice));
    await sqlite.registerDevice(registration(alice, { deviceId: 2 }));
    await sqlite.registerDevice(registration(bob));
    await sqlite.setAccessKeys(alice.accountId, { codeKeyHash: hashOf('code'), contactKeyHash: hashOf('contact') });
    await sqlite.insertEnvelopes(Array.from({ length: 3 }, () => newEnvelope(bob.accountId)));
    const limits = { maxQueueEnvelopes: 100, maxQueueBytes: 1_000_000, dailySendBytes: 1_000_000, now: NOW };
    const source = { accountId: alice.accountId, deviceId: 1 };
    await sqlite.commitSends(
      [{ sender: alice.accountId, envelopes: [newEnvelope(bob.accountId, { source })] }],
      limits,
    );
    await sqlite.claimBundle(bob.accountId, 1);
    // The highest seq SQLite gave goes with its envelope; PostgreSQL must still not give it again.
    const [gone] = await sqlite.insertEnvelopes([newEnvelope(bob.accountId, { deviceId: 2 })]);
    await sqlite.deleteEnvelopes(bob.accountId, 2, [gone?.id ?? '']);
    highestSeq = gone?.seq ?? Number.POSITIVE_INFINITY;
    await sqlite.createInvites([{ codeHash: hashOf('INVITE'), createdAt: NOW, expiresAt: NOW + DAY_MS }]);
    await sqlite.putChallenge({
      challenge: Buffer.alloc(32, 7).toString('base64'),
      accountId: bob.accountId,
      deviceId: 1,
      expiresAt: NOW + 60_000,
    });
    await sqlite.close();
  });

  afterEach(async () => {
    await rm(folder, { recursive: true, force: true });
    await dropTestSchema(schema);
  });

  it('copies everything, prints matching counts, and the relay data works on PostgreSQL', async () => {
    const result = await migrate(dataDir, schema);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(printedCounts(result.stdout, 'accounts')).toEqual([2, 2]);
    expect(printedCounts(result.stdout, 'devices')).toEqual([3, 3]);
    expect(printedCounts(result.stdout, 'one_time_prekeys')).toEqual([14, 14]);
    expect(printedCounts(result.stdout, 'envelopes')).toEqual([4, 4]);
    expect(printedCounts(result.stdout, 'send_usage')).toEqual([1, 1]);
    expect(result.stdout).toContain('every count matches; committed');

    const sqlite = new SqliteRelayStore({ dataDir });
    const postgres = newPostgresStore(schema);
    await sqlite.init();
    await postgres.init();
    try {
      for (const identity of [alice, bob]) {
        expect(await postgres.getAccount(identity.accountId)).toEqual(await sqlite.getAccount(identity.accountId));
      }
      const queued = await sqlite.fetchEnvelopes(bob.accountId, 1, 0, 100, NOW);
      expect(await postgres.fetchEnvelopes(bob.accountId, 1, 0, 100, NOW)).toStrictEqual(queued);
      expect(await postgres.countPreKeys(bob.accountId, 1)).toEqual(await sqlite.countPreKeys(bob.accountId, 1));
      expect(await postgres.claimBundle(bob.accountId, 1)).toEqual(await sqlite.claimBundle(bob.accountId, 1));
      // The queue goes on after every seq SQLite gave, and its limits count the copied envelopes.
      const [next] = await postgres.insertEnvelopes([newEnvelope(bob.accountId)]);
      expect(next?.seq).toBeGreaterThan(highestSeq);
      expect(highestSeq).toBeGreaterThan(queued.at(-1)?.seq ?? Number.POSITIVE_INFINITY);
      const full = { maxQueueEnvelopes: 5, maxQueueBytes: 1_000_000, dailySendBytes: 1_000_000, now: NOW };
      const [refused] = await postgres.commitSends([{ sender: null, envelopes: [newEnvelope(bob.accountId)] }], full);
      expect(refused).toMatchObject({ ok: false, refusal: { reason: 'queue-full' } });
      // The copied invite admits one new account; the copied challenge is good once.
      const carol = newIdentity();
      const invite = { policy: 'invite', inviteCodeHash: hashOf('INVITE') } as const;
      const rules = { admission: invite, preKeyLimits: { maxPreKeys: 100, maxKyberPreKeys: 100 } };
      expect(await postgres.registerDevice(registration(carol), rules)).not.toBeNull();
      const challenge = Buffer.alloc(32, 7).toString('base64');
      expect(await postgres.consumeChallenge(challenge, bob.accountId, 1, NOW)).toBe(true);
    } finally {
      await sqlite.close();
      await postgres.close();
    }
  });

  it('refuses a target that already holds relay data, changing nothing', async () => {
    expect((await migrate(dataDir, schema)).code).toBe(0);
    const again = await migrate(dataDir, schema);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('already holds relay data');
    const { rows } = await withTestClient((client) =>
      client.query<{ count: string }>(`SELECT count(*) AS count FROM "${schema}".envelopes`),
    );
    expect(Number(rows[0]?.count)).toBe(4);
  });

  it('commits nothing when a count differs after the copy', async () => {
    // A target that silently drops challenges, as a faulty copy would.
    const store = newPostgresStore(schema);
    await store.init();
    await store.close();
    await withTestClient(async (client) => {
      await client.query(
        `CREATE FUNCTION "${schema}".drop_row() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$`,
      );
      await client.query(
        `CREATE TRIGGER drop_challenges BEFORE INSERT ON "${schema}".challenges
         FOR EACH ROW EXECUTE FUNCTION "${schema}".drop_row()`,
      );
    });
    const result = await migrate(dataDir, schema);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('challenges: 1 rows in SQLite, 0 in PostgreSQL; nothing was committed');
    expect(printedCounts(result.stdout, 'challenges')).toEqual([1, 0]);
    const { rows } = await withTestClient((client) =>
      client.query<{ count: string }>(`SELECT count(*) AS count FROM "${schema}".accounts`),
    );
    expect(Number(rows[0]?.count)).toBe(0);
  });
});
