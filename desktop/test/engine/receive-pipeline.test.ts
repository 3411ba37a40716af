/**
 * The receive pipeline's ordering guarantees, with a scripted vault and a
 * recording relay: the ack is sent only after the commit, the vault releases
 * only after the ack, copies are recognised by envelope id (acked without a
 * decrypt) and by message id (stored once), and transient failures are
 * retried without an ack.
 */
import type { AccountId, Envelope } from '@parley/crypto-core/wire';
import { afterEach, describe, expect, it } from 'vitest';
import { createVaultClient } from '../../src/common/invoke.js';
import { fail, ok, type Result } from '../../src/common/result.js';
import type { DecryptOutcome, IncomingContent } from '../../src/common/vault-api.js';
import { MonotonicClock } from '../../src/renderer/engine/clock.js';
import type { EngineDatabase } from '../../src/renderer/engine/database.js';
import { silentLogger } from '../../src/renderer/engine/logger.js';
import { ReceivePipeline } from '../../src/renderer/engine/receive-pipeline.js';
import { VaultGateway } from '../../src/renderer/engine/vault-calls.js';
import { memoryDatabase, testCipher } from '../support/memory-database.js';
import { waitFor } from '../support/wait.js';

const ALICE = 'a'.repeat(32) as AccountId;
const OWN = 'z'.repeat(32) as AccountId;

type Script = (envelope: Envelope) => DecryptOutcome;

type VaultMode = 'up' | 'failing' | 'locked';

/** The scripted vault: what decrypt answers, and what it was asked. */
interface ScriptedVault {
  mode: VaultMode;
  script: Script;
  /** Every decrypt call, completed or refused. */
  decryptCalls: number;
  /** Envelope ids of every decrypt that completed. */
  readonly decrypted: string[][];
}

interface Harness {
  readonly db: EngineDatabase;
  readonly pipeline: ReceivePipeline;
  readonly vault: ScriptedVault;
  /** commits, acks and releases, in the order they happened. */
  readonly events: string[];
}

const open: Harness[] = [];

afterEach(() => {
  for (const harness of open.splice(0)) {
    harness.pipeline.stop();
    harness.db.close();
  }
});

function text(envelope: Envelope, messageId: string, body: string): DecryptOutcome {
  const content: IncomingContent = { type: 'text', id: messageId, sentAt: envelope.serverTimestamp, body };
  return {
    ok: true,
    value: { envelopeId: envelope.id, sender: { accountId: ALICE, deviceId: 1 }, sealed: true, content },
  };
}

let counter = 0;
function envelope(): Envelope {
  counter++;
  return {
    id: `00000000-0000-7000-8000-${String(counter).padStart(12, '0')}`,
    type: 'sealed',
    destinationDeviceId: 1,
    content: 'AAAA',
    serverTimestamp: 1_800_000_000_000 + counter,
  };
}

function messageId(n: number): string {
  return `11111111-1111-4111-8111-${String(n).padStart(12, '0')}`;
}

async function harness(): Promise<Harness> {
  const db = await memoryDatabase();
  const events: string[] = [];
  const scripted: ScriptedVault = {
    mode: 'up',
    script: (e) => text(e, messageId(0), 'default'),
    decryptCalls: 0,
    decrypted: [],
  };
  const vault = new VaultGateway(
    createVaultClient({
      async call(method, args): Promise<Result<unknown>> {
        if (method === 'decrypt') scripted.decryptCalls++;
        if (scripted.mode === 'failing') return fail('INTERNAL', 'vault storage hiccup');
        if (scripted.mode === 'locked') return fail('LOCKED', 'the vault is locked');
        if (method === 'decrypt') {
          const { envelopes } = args as { envelopes: Envelope[] };
          scripted.decrypted.push(envelopes.map((e) => e.id));
          return ok({ results: envelopes.map((e) => scripted.script(e)) });
        }
        if (method === 'releaseDecrypted') {
          events.push(`release ${(args as { envelopeIds: string[] }).envelopeIds.join(',')}`);
          return ok(null);
        }
        return fail('UNKNOWN_METHOD', method);
      },
      onEvent: () => () => {},
    }),
  );
  const pipeline = new ReceivePipeline(
    db,
    await testCipher(),
    vault,
    {
      async ack(envelopeIds) {
        // The relay may delete only what is committed here.
        const committed = await db.receivedEnvelopes.bulkGet(envelopeIds);
        events.push(`ack ${envelopeIds.join(',')} committed=${committed.every((row) => row !== undefined)}`);
        return { ok: true, deleted: envelopeIds.length };
      },
    },
    { committed: () => events.push('committed'), vaultLocked: () => events.push('locked') },
    {
      relayUrl: 'http://127.0.0.1:7447',
      ownAccountId: OWN,
      clock: new MonotonicClock(),
      newId: () => crypto.randomUUID(),
      logger: silentLogger,
      options: { maxDecryptRetries: 3, retryBaseMs: 20 },
      ensureSealedSender: async () => true,
    },
  );
  const created: Harness = { db, pipeline, vault: scripted, events };
  open.push(created);
  return created;
}

describe('ReceivePipeline', () => {
  it('commits, then acks, then releases', async () => {
    const h = await harness();
    const batch = [envelope(), envelope()];
    h.vault.script = (e) => text(e, messageId(batch.indexOf(e) + 1), `body ${e.id}`);
    h.pipeline.enqueue(batch);
    h.pipeline.queueEmpty();
    await h.pipeline.idle();
    const ids = batch.map((e) => e.id).join(',');
    expect(h.events).toEqual(['committed', `ack ${ids} committed=true`, `release ${ids}`]);
    expect(h.pipeline.drained.value).toBe(true);
    expect(await h.db.messages.count()).toBe(2);
    const conversation = await h.db.conversations.get(`direct:${ALICE}`);
    expect(conversation?.unreadCount).toBe(2);
    // A delivery receipt for both is queued, in the same commit.
    const receipts = await h.db.outbox.toArray();
    expect(receipts).toEqual([
      expect.objectContaining({ kind: 'receipt', receiptKind: 'delivery', messageIds: [messageId(1), messageId(2)] }),
    ]);
  });

  it('acks a redelivered envelope without decrypting it again, and stores a resent message once', async () => {
    const h = await harness();
    const first = envelope();
    h.vault.script = (e) => text(e, messageId(7), 'once');
    h.pipeline.enqueue([first]);
    await h.pipeline.idle();
    h.pipeline.enqueue([first]);
    await h.pipeline.idle();
    expect(h.vault.decrypted).toEqual([[first.id]]);
    expect(h.events.filter((e) => e.startsWith('ack'))).toHaveLength(2);

    // The sender resent after a lost answer: another envelope, the same message id.
    const resent = envelope();
    h.pipeline.enqueue([resent]);
    await h.pipeline.idle();
    expect(await h.db.messages.count()).toBe(1);
    expect((await h.db.conversations.get(`direct:${ALICE}`))?.unreadCount).toBe(1);
    expect(h.events.at(-2)).toBe(`ack ${resent.id} committed=true`);
  });

  it('retries a transient vault failure without acking, then commits', async () => {
    const h = await harness();
    const env = envelope();
    h.vault.mode = 'failing';
    h.pipeline.enqueue([env]);
    await h.pipeline.idle();
    expect(h.events).toEqual([]);
    h.vault.mode = 'up';
    await waitFor('retried and committed', async () => ((await h.db.messages.count()) === 1 ? true : null), 5000);
    await h.pipeline.idle();
    expect(h.events).toEqual(['committed', `ack ${env.id} committed=true`, `release ${env.id}`]);
  });

  it('gives up on this connection after the retry limit, leaving the envelope to the relay', async () => {
    const h = await harness();
    h.vault.mode = 'failing';
    h.pipeline.enqueue([envelope()]);
    // One try and three retries (20, 40, 80 ms, jittered), then nothing more.
    await waitFor('every retry', () => (h.vault.decryptCalls === 4 ? true : null), 5000);
    await new Promise((resolve) => setTimeout(resolve, 400));
    await h.pipeline.idle();
    expect(h.vault.decryptCalls).toBe(4);
    expect(h.events).toEqual([]);
    expect(await h.db.receivedEnvelopes.count()).toBe(0);
  });

  it('stops and reports when the vault is locked, without acking', async () => {
    const h = await harness();
    h.vault.mode = 'locked';
    h.pipeline.enqueue([envelope()]);
    await h.pipeline.idle();
    expect(h.events).toEqual(['locked']);
  });
});
