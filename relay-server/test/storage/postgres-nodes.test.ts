/**
 * The PostgreSQL store as several relay nodes use it: several stores (each
 * its own pool, as each node has) on one schema, starting, claiming,
 * sending, draining and sweeping at the same time.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PostgresRelayStore } from '../../src/storage/postgres-store.js';
import type { NewSend } from '../../src/storage/relay-store.js';
import { RelayStoreError, RelayStoreErrorCode } from '../../src/storage/relay-store-errors.js';
import { dropTestSchema, newPostgresStore, newTestSchemaName, withTestClient } from './postgres-harness.js';
import { rejectionOf } from './relay-store-contract.js';
import { kyberPreKeys, NOW, newEnvelope, newIdentity, oneTimePreKeys, registration } from './store-fixtures.js';

describe('PostgresRelayStore on several nodes', () => {
  let schema: string;
  let nodes: PostgresRelayStore[];

  beforeEach(() => {
    schema = newTestSchemaName();
    nodes = [];
  });
  afterEach(async () => {
    await Promise.all(nodes.map((node) => node.close()));
    await dropTestSchema(schema);
  });

  /** `count` stores on the test's schema, initialised together. */
  async function startNodes(count: number): Promise<PostgresRelayStore[]> {
    const started = Array.from({ length: count }, () => newPostgresStore(schema, { maxConnections: 4 }));
    nodes.push(...started);
    await Promise.all(started.map((node) => node.init()));
    return started;
  }

  it('nodes starting together on an empty schema migrate it once, under the advisory lock', async () => {
    const reports = await Promise.all((await startNodes(4)).map((node) => node.init()));
    for (const report of reports) expect(report).toMatchObject({ engine: 'postgres', survivesProcessCrash: true });
    const versions = await withTestClient((client) =>
      client.query<{ version: number }>(`SELECT version FROM "${schema}".relay_schema_migrations ORDER BY version`),
    );
    expect(versions.rows.map((row) => row.version)).toEqual([1]);
    // Every node works on the one schema.
    const identity = newIdentity();
    await nodes[0]?.registerDevice(registration(identity));
    expect((await nodes[3]?.getAccount(identity.accountId))?.devices).toHaveLength(1);
  });

  it('refuses a schema from a newer relay', async () => {
    await startNodes(1);
    await withTestClient((client) =>
      client.query(`INSERT INTO "${schema}".relay_schema_migrations (version, description) VALUES (99, 'future')`),
    );
    const newer = newPostgresStore(schema);
    const error = await rejectionOf(newer.init());
    expect(RelayStoreError.is(error, RelayStoreErrorCode.SchemaTooNew)).toBe(true);
  });

  it('hands each one-time prekey out once when three nodes claim at once', async () => {
    const [first, second, third] = await startNodes(3);
    if (first === undefined || second === undefined || third === undefined) throw new Error('three nodes');
    const identity = newIdentity();
    await first.registerDevice(
      registration(identity, { preKeys: oneTimePreKeys(1, 60), kyberPreKeys: kyberPreKeys(1, 60) }),
    );
    const claims = [first, second, third].flatMap((node) =>
      Array.from({ length: 30 }, () => node.claimBundle(identity.accountId, 1)),
    );
    const bundles = await Promise.all(claims);
    const ecIds = bundles.flatMap((bundle) => (bundle?.preKey ? [bundle.preKey.keyId] : []));
    const kyberIds = bundles.flatMap((bundle) =>
      bundle !== null && !bundle.kyberPreKeyIsLastResort ? [bundle.kyberPreKey.keyId] : [],
    );
    expect([...ecIds].sort((a, b) => a - b)).toEqual(Array.from({ length: 60 }, (_, index) => index + 1));
    expect([...kyberIds].sort((a, b) => a - b)).toEqual(Array.from({ length: 60 }, (_, index) => index + 1));
    expect(bundles.filter((bundle) => bundle?.preKey === null)).toHaveLength(30);
    expect(await third.countPreKeys(identity.accountId, 1)).toEqual({ preKeys: 0, kyberPreKeys: 0 });
  });

  it('a drain that follows its cursor while three nodes write to one queue misses nothing (seq order is commit order)', async () => {
    const [reader, ...writers] = await startNodes(4);
    if (reader === undefined) throw new Error('a reader');
    const recipient = newIdentity().accountId;
    const written: string[] = [];
    let writing = true;
    const writes = Promise.all(
      writers.map(async (writer) => {
        for (let index = 0; index < 40; index++) {
          const stored = await writer.insertEnvelopes([newEnvelope(recipient, { contentBytes: 60 })]);
          written.push(...stored.map((envelope) => envelope.id));
        }
      }),
    ).finally(() => {
      writing = false;
    });
    const drained: string[] = [];
    let cursor = 0;
    // Bounded: the writers finish, then one last page after they have.
    for (let round = 0; round < 100_000; round++) {
      const stillWriting = writing;
      const page = await reader.fetchEnvelopes(recipient, 1, cursor, 1000, NOW);
      drained.push(...page.map((envelope) => envelope.id));
      cursor = page.at(-1)?.seq ?? cursor;
      if (!stillWriting && page.length === 0) break;
    }
    await writes;
    expect(written).toHaveLength(120);
    expect(new Set(drained).size).toBe(drained.length);
    expect([...drained].sort()).toEqual([...written].sort());
  });

  it('applies a queue cap exactly when two nodes commit sends to one device at once', async () => {
    const [first, second] = await startNodes(2);
    if (first === undefined || second === undefined) throw new Error('two nodes');
    const recipient = newIdentity().accountId;
    const limits = { maxQueueEnvelopes: 10, maxQueueBytes: 1_000_000, dailySendBytes: 1_000_000, now: NOW };
    const sends = (sender: string): NewSend[] =>
      Array.from({ length: 4 }, () => ({
        sender: sender as NewSend['sender'],
        envelopes: [newEnvelope(recipient, { contentBytes: 30 })],
      }));
    const senders = [newIdentity().accountId, newIdentity().accountId];
    const outcomes = await Promise.all(
      Array.from({ length: 5 }, (_, index) =>
        (index % 2 === 0 ? first : second).commitSends(sends(senders[index % 2] ?? ''), limits),
      ),
    );
    const accepted = outcomes.flat().filter((outcome) => outcome.ok);
    const refused = outcomes.flat().filter((outcome) => !outcome.ok);
    expect(accepted).toHaveLength(10);
    expect(refused).toHaveLength(10);
    expect(await second.countEnvelopes()).toBe(10);
  });

  it('two nodes sweeping at once remove every expired envelope once between them', async () => {
    const [first, second] = await startNodes(2);
    if (first === undefined || second === undefined) throw new Error('two nodes');
    const recipient = newIdentity().accountId;
    for (let batch = 0; batch < 5; batch++) {
      await first.insertEnvelopes(
        Array.from({ length: 500 }, () => newEnvelope(recipient, { contentBytes: 16, expiresAt: NOW - 1 })),
      );
    }
    const [kept] = await first.insertEnvelopes([newEnvelope(recipient)]);
    const removed = await Promise.all([first.deleteExpiredEnvelopes(NOW), second.deleteExpiredEnvelopes(NOW)]);
    expect(removed[0] + removed[1]).toBe(2500);
    expect(await second.fetchEnvelopes(recipient, 1, 0, 10, NOW)).toStrictEqual([kept]);
  });

  it('answers again by itself after the server dropped all of its connections', async () => {
    const name = `parley-test-${schema}`;
    const node = newPostgresStore(schema, { applicationName: name });
    nodes.push(node);
    await node.init();
    const recipient = newIdentity().accountId;
    await node.insertEnvelopes([newEnvelope(recipient)]);
    const terminated = await withTestClient((client) =>
      client.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1', [name]),
    );
    expect(terminated.rowCount).toBeGreaterThan(0);
    // Bounded: the pool drops the dead connections as it notices them and opens new ones.
    let answered = false;
    for (let attempt = 0; attempt < 5 && !answered; attempt++) {
      answered = await node.countEnvelopes().then(
        (count) => count === 1,
        () => false,
      );
    }
    expect(answered).toBe(true);
    expect(await node.fetchEnvelopes(recipient, 1, 0, 10, NOW)).toHaveLength(1);
  });

  it('keeps queue usage exact when another client deletes envelopes under another search_path', async () => {
    const [node] = await startNodes(1);
    if (node === undefined) throw new Error('a node');
    const recipient = newIdentity().accountId;
    await node.insertEnvelopes(Array.from({ length: 3 }, () => newEnvelope(recipient, { contentBytes: 30 })));
    // An operator's session: default search_path, the table named with its schema.
    await withTestClient((client) =>
      client.query(`DELETE FROM "${schema}".envelopes WHERE seq = (SELECT min(seq) FROM "${schema}".envelopes)`),
    );
    expect(await node.countEnvelopes()).toBe(2);
    const limits = { maxQueueEnvelopes: 3, maxQueueBytes: 1_000_000, dailySendBytes: 1_000_000, now: NOW };
    const fits = await node.commitSends([{ sender: null, envelopes: [newEnvelope(recipient)] }], limits);
    expect(fits[0]?.ok).toBe(true);
    const full = await node.commitSends([{ sender: null, envelopes: [newEnvelope(recipient)] }], limits);
    expect(full[0]?.ok).toBe(false);
  });

  it('two nodes registering one new account at once: both devices join it; another identity key under its id gets null', async () => {
    const [first, second] = await startNodes(2);
    if (first === undefined || second === undefined) throw new Error('two nodes');
    const identity = newIdentity();
    const [one, two] = await Promise.all([
      first.registerDevice(registration(identity, { deviceId: 1 })),
      second.registerDevice(registration(identity, { deviceId: 2 })),
    ]);
    expect(one).not.toBeNull();
    expect(two).not.toBeNull();
    expect((await first.getAccount(identity.accountId))?.devices.map((device) => device.deviceId)).toEqual([1, 2]);

    // Same account id, another identity key, registering at the same time: exactly one wins.
    const contested = newIdentity();
    const impostor = { ...contested, identityKey: newIdentity().identityKey };
    const results = await Promise.all([
      first.registerDevice(registration(contested)),
      second.registerDevice(registration(impostor)),
    ]);
    expect(results.filter((result) => result === null)).toHaveLength(1);
    const stored = await second.getAccount(contested.accountId);
    const winner = results[0] === null ? impostor : contested;
    expect(stored?.identityKey).toBe(winner.identityKey);
  });
});
