/**
 * Real relay processes on the PostgreSQL store (`--postgres`, a fresh
 * schema per file): register, send, receive and acknowledge on one node;
 * and two nodes on one schema, where a device registered on one gets what
 * was sent through the other (the store is shared; waking a connected
 * device on another node is not this store's job, so the recipient here
 * connects after the send).
 */
import { type Envelope, routes } from '@parley/crypto-core/wire';
import { connect, httpOf, payload, RelayProcess, registerDevice } from '@parley/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dropTestSchema, newTestSchemaName, TEST_POSTGRES_URL, withTestClient } from '../storage/postgres-harness.js';

const schema = newTestSchemaName();
// A password the log must never show (the test server trusts 127.0.0.1, so a made-up one is ignored).
const postgresUrl = new URL(TEST_POSTGRES_URL);
if (postgresUrl.password === '') postgresUrl.password = 'password-never-logged';
const nodeArgs = ['--postgres', postgresUrl.href, '--postgres-schema', schema, '--registration', 'open'];
let first: RelayProcess;
let second: RelayProcess;

beforeAll(async () => {
  // Started together on an empty schema: they migrate it one after the other.
  [first, second] = await Promise.all([RelayProcess.start({ args: nodeArgs }), RelayProcess.start({ args: nodeArgs })]);
});

afterAll(async () => {
  await Promise.all([first?.dispose(), second?.dispose()]);
  await dropTestSchema(schema);
});

async function queuedInPostgres(): Promise<number> {
  const { rows } = await withTestClient((client) =>
    client.query<{ count: string }>(`SELECT count(*) AS count FROM "${schema}".envelopes`),
  );
  return Number(rows[0]?.count);
}

describe('relay on PostgreSQL', () => {
  it('reports PostgreSQL as its store, in the health answer and the start-up line, never its password', async () => {
    const health = await httpOf(first).request(routes.health);
    expect(health.status).toBe(200);
    expect(health.body).toMatchObject({ status: 'ok', dependencies: { postgres: { status: 'ok' } } });
    const started = first.logLines().find((line) => String(line.msg).startsWith('relay listening'));
    expect(started).toMatchObject({ store: 'postgres', durability: { engine: 'postgres' } });
    expect(first.output).not.toContain(postgresUrl.password);
  });

  it('registers, sends, delivers and deletes on acknowledgement, all through PostgreSQL', async () => {
    const http = httpOf(first);
    const alice = await registerDevice(http);
    const bob = await registerDevice(http);
    const aliceSocket = await connect(first, alice.token);
    const bobSocket = await connect(first, bob.token, { autoAck: false });
    try {
      const sent = await aliceSocket.send({
        recipient: bob.device.accountId,
        messages: [{ deviceId: 1, type: 'message', content: payload('over postgres') }],
      });
      expect(sent.ok).toBe(true);
      await bobSocket.waitFor(() => bobSocket.received.length === 1, 10_000, 'bob receives');
      const envelope = bobSocket.received[0] as Envelope;
      expect(envelope.source).toEqual(alice.device.address);
      expect(envelope.content).toBe(payload('over postgres'));
      expect(await queuedInPostgres()).toBe(1);
      expect(await bobSocket.ack([envelope.id])).toEqual({ ok: true, deleted: 1 });
      expect(await queuedInPostgres()).toBe(0);
    } finally {
      aliceSocket.close();
      bobSocket.close();
    }
  });

  it('two nodes share the store: sent through one, drained through the other', async () => {
    const alice = await registerDevice(httpOf(first));
    const bob = await registerDevice(httpOf(second));
    const aliceSocket = await connect(first, alice.token);
    try {
      for (const text of ['one', 'two', 'three']) {
        const sent = await aliceSocket.send({
          recipient: bob.device.accountId,
          messages: [{ deviceId: 1, type: 'message', content: payload(text) }],
        });
        expect(sent.ok).toBe(true);
      }
    } finally {
      aliceSocket.close();
    }
    const bobSocket = await connect(second, bob.token);
    try {
      await bobSocket.waitFor(() => bobSocket.queueEmptyCount === 1, 10_000, 'bob drains');
      expect(bobSocket.received.map((envelope) => envelope.content)).toEqual(
        ['one', 'two', 'three'].map((text) => payload(text)),
      );
    } finally {
      bobSocket.close();
    }
  });

  it('health reports the store failed while PostgreSQL cannot answer for it, and ok once it can again', async () => {
    const http = httpOf(first);
    const hidden = `${schema}_away`;
    // Renaming the schema makes every query of the relay fail, as an unusable database would.
    await withTestClient((client) => client.query(`ALTER SCHEMA "${schema}" RENAME TO "${hidden}"`));
    try {
      const down = await http.request(routes.health);
      expect(down.status).toBe(503);
      expect(down.body).toMatchObject({ status: 'degraded', dependencies: { postgres: { status: 'failed' } } });
    } finally {
      await withTestClient((client) => client.query(`ALTER SCHEMA "${hidden}" RENAME TO "${schema}"`));
    }
    const up = await http.request(routes.health);
    expect(up.status).toBe(200);
    expect(up.body).toMatchObject({ status: 'ok', dependencies: { postgres: { status: 'ok' } } });
  });
});
