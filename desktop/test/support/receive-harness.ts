/**
 * The receive pipeline with a scripted vault and a recording relay, for
 * receive-pipeline.test.ts: what decrypt answers and what it was asked, every
 * ack, release and commit in order, and whether each one followed its commit.
 */
import type { AccountId, Envelope } from '@parley/crypto-core/wire';
import { createVaultClient } from '../../src/common/invoke.js';
import { fail, ok, type Result } from '../../src/common/result.js';
import type { DecryptOutcome, IncomingContent } from '../../src/common/vault-api.js';
import { MonotonicClock } from '../../src/renderer/engine/clock.js';
import type { EngineDatabase } from '../../src/renderer/engine/database.js';
import { silentLogger } from '../../src/renderer/engine/logger.js';
import { committedEnvelopeIds } from '../../src/renderer/engine/receive-known-envelopes.js';
import { type ReceiveFaults, ReceivePipeline } from '../../src/renderer/engine/receive-pipeline.js';
import { VaultGateway } from '../../src/renderer/engine/vault-calls.js';
import { memoryDatabase } from './memory-database.js';

export const ALICE = 'a'.repeat(32) as AccountId;
export const OWN = 'z'.repeat(32) as AccountId;

export type Script = (envelope: Envelope) => DecryptOutcome;

export type VaultMode = 'up' | 'failing' | 'locked';

/** The scripted vault: what decrypt answers, and what it was asked. */
export interface ScriptedVault {
  mode: VaultMode;
  script: Script;
  /** Every decrypt call, completed or refused. */
  decryptCalls: number;
  /** Envelope ids of every decrypt that completed. */
  readonly decrypted: string[][];
  /** The `release` field of every decrypt that completed. */
  readonly foldedReleases: string[][];
  /** Called when a decrypt arrives, before it answers; throwing fails the call (nothing of it happens). */
  onDecrypt: (envelopeIds: string[], release: readonly string[]) => void;
  /** Awaited before a decrypt answers (a slow vault, or one busy with earlier calls). */
  beforeAnswer: (envelopeIds: string[]) => Promise<void>;
}

export interface Harness {
  readonly db: EngineDatabase;
  readonly pipeline: ReceivePipeline;
  readonly vault: ScriptedVault;
  /** commits, acks and releases, in the order they happened. */
  readonly events: string[];
  /** Envelope ids of each commit, in order. */
  readonly commits: string[][];
  /** Envelope ids of each ack, in the order the acks were sent. */
  readonly acked: string[][];
}

const open: Harness[] = [];

/** Stops every harness made so far (the test file's afterEach). */
export function closeHarnesses(): void {
  for (const harness of open.splice(0)) {
    harness.pipeline.stop();
    harness.db.close();
  }
}

export function text(envelope: Envelope, messageId: string, body: string): DecryptOutcome {
  const content: IncomingContent = { type: 'text', id: messageId, sentAt: envelope.serverTimestamp, body };
  return {
    ok: true,
    value: { envelopeId: envelope.id, sender: { accountId: ALICE, deviceId: 1 }, sealed: true, content },
  };
}

let counter = 0;
export function envelope(): Envelope {
  counter++;
  return {
    id: `00000000-0000-7000-8000-${String(counter).padStart(12, '0')}`,
    type: 'sealed',
    destinationDeviceId: 1,
    content: 'AAAA',
    serverTimestamp: 1_800_000_000_000 + counter,
  };
}

export function messageId(n: number): string {
  return `11111111-1111-4111-8111-${String(n).padStart(12, '0')}`;
}

/** A text whose message id follows from its envelope's, so a redelivery decrypts to the same message. */
export function ownText(e: Envelope): DecryptOutcome {
  return text(e, messageId(Number(e.id.slice(-12))), `body ${e.id}`);
}

export const idsOf = (batch: readonly Envelope[]) => batch.map((e) => e.id);

/** Every release the vault saw, folded or on its own: [ids, committed when asked]. */
export function releases(h: Harness): { ids: string[]; committed: boolean }[] {
  return h.events.flatMap((event) => {
    const found = /^(?:folded )?release (\S*) committed=(true|false)$/.exec(event);
    return found === null ? [] : [{ ids: (found[1] ?? '').split(',').filter(Boolean), committed: found[2] === 'true' }];
  });
}

export async function harness(options: { db?: EngineDatabase; faults?: ReceiveFaults } = {}): Promise<Harness> {
  const db = options.db ?? (await memoryDatabase());
  const events: string[] = [];
  const commits: string[][] = [];
  const acked: string[][] = [];
  const scripted: ScriptedVault = {
    mode: 'up',
    script: (e) => text(e, messageId(0), 'default'),
    decryptCalls: 0,
    decrypted: [],
    foldedReleases: [],
    onDecrypt: () => {},
    beforeAnswer: async () => {},
  };
  // The vault may forget a plaintext only once the engine committed its envelope.
  const released = async (ids: string[]) => {
    const committed = await committedEnvelopeIds(db, ids);
    return `release ${ids.join(',')} committed=${ids.every((id) => committed.has(id))}`;
  };
  const vault = new VaultGateway(
    createVaultClient({
      async call(method, args): Promise<Result<unknown>> {
        if (method === 'decrypt') scripted.decryptCalls++;
        if (scripted.mode === 'failing') return fail('INTERNAL', 'vault storage hiccup');
        if (scripted.mode === 'locked') return fail('LOCKED', 'the vault is locked');
        if (method === 'decrypt') {
          const { envelopes, release } = args as { envelopes: Envelope[]; release?: string[] };
          scripted.onDecrypt(
            envelopes.map((e) => e.id),
            release ?? [],
          );
          await scripted.beforeAnswer(envelopes.map((e) => e.id));
          if (release !== undefined) events.push(`folded ${await released(release)}`);
          scripted.decrypted.push(envelopes.map((e) => e.id));
          scripted.foldedReleases.push(release ?? []);
          return ok({ results: envelopes.map((e) => scripted.script(e)) });
        }
        if (method === 'releaseDecrypted') {
          events.push(await released((args as { envelopeIds: string[] }).envelopeIds));
          return ok(null);
        }
        return fail('UNKNOWN_METHOD', method);
      },
      onEvent: () => () => {},
    }),
  );
  const pipeline = new ReceivePipeline(
    db,
    vault,
    {
      async ack(envelopeIds) {
        acked.push([...envelopeIds]);
        // The relay may delete only what is committed here.
        const committed = await committedEnvelopeIds(db, envelopeIds);
        events.push(`ack ${envelopeIds.join(',')} committed=${envelopeIds.every((id) => committed.has(id))}`);
        return { ok: true, deleted: envelopeIds.length };
      },
    },
    {
      committed: (_, plan) => {
        commits.push([...plan.commitIds]);
        events.push('committed');
      },
      vaultLocked: () => events.push('locked'),
    },
    {
      relayUrl: 'http://127.0.0.1:7447',
      ownAccountId: OWN,
      clock: new MonotonicClock(),
      newId: () => crypto.randomUUID(),
      logger: silentLogger,
      options: { maxDecryptRetries: 3, retryBaseMs: 20, decryptAhead: 1 },
      faults: options.faults,
      ensureSealedSender: async () => true,
    },
  );
  const created: Harness = { db, pipeline, vault: scripted, events, commits, acked };
  open.push(created);
  return created;
}
