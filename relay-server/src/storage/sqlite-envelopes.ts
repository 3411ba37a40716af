/**
 * The SQLite store's envelope reads and deletions: the drain (a page of a
 * device's queue), acknowledgements one by one or in batches, and the chunked
 * sweep that expired envelopes and challenges go through. Inserts live in
 * sqlite-sends.ts.
 */
import type { AccountId } from '@parley/crypto-core/wire';
import type { EnvelopeDeletion, StoredEnvelope } from './relay-store.js';
import type { SqliteConnection } from './sqlite-connection.js';
import { withoutCommitFlush } from './sqlite-durability.js';
import { envelopeFromRow } from './sqlite-rows.js';
import { type SqliteStatements, SWEEP_CHUNK_ROWS } from './sqlite-statements.js';
import { assertCursor, assertLimit } from './store-input.js';

export function fetchEnvelopesIn(
  statements: SqliteStatements,
  recipient: AccountId,
  deviceId: number,
  afterSeq: number,
  limit: number,
  now: number,
): StoredEnvelope[] {
  assertCursor(afterSeq);
  assertLimit(limit);
  if (limit < 1) return [];
  return statements.selectEnvelopes
    .all(recipient, deviceId, afterSeq, now, limit)
    .map((row) => envelopeFromRow(recipient, deviceId, row));
}

export function deleteEnvelopesIn(
  statements: SqliteStatements,
  recipient: AccountId,
  deviceId: number,
  ids: readonly string[],
): number {
  if (ids.length === 0) return 0;
  return statements.deleteEnvelopesByIds.run(JSON.stringify(ids), recipient, deviceId).changes;
}

/**
 * All deletions in one transaction, committed without an fsync of its own:
 * synchronous=NORMAL for this transaction only. The next durable commit
 * (the next batch of sends, any other write, a checkpoint, or close) flushes
 * these deletions with it, because an fsync of the WAL covers every frame
 * written before, and WAL frames replay in order. So power loss can undo the
 * latest acknowledgements, never an accepted send: those envelopes are
 * delivered again and clients drop them by id, as at-least-once delivery
 * already requires. It spares the relay one fsync per batch of acks, about
 * half of its fsyncs under load.
 */
export function deleteEnvelopesBatchIn(connection: SqliteConnection, deletions: readonly EnvelopeDeletion[]): number[] {
  const { db, statements, synchronous } = connection;
  const prepared = deletions.map((deletion) =>
    deletion.ids.length === 0 ? null : ([JSON.stringify(deletion.ids), deletion.recipient, deletion.deviceId] as const),
  );
  if (prepared.every((params) => params === null)) return prepared.map(() => 0);
  const deleteAll = db.transaction((): number[] =>
    prepared.map((params) => (params === null ? 0 : statements.deleteEnvelopesByIds.run(...params).changes)),
  );
  return withoutCommitFlush(db, synchronous, () => deleteAll.immediate());
}

/** Lets the event loop run (timers, sockets) between chunks of a long sweep. */
function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Runs a deleting chunk until it removes less than a full chunk, yielding
 * to the event loop in between: a sweep after a long outage may remove
 * millions of rows, and one statement would block every socket meanwhile.
 * `deleteChunk` looks the connection up each time: the store may close mid-sweep.
 */
export async function sweepInChunks(deleteChunk: () => number): Promise<number> {
  let removed = 0;
  for (;;) {
    const changes = deleteChunk();
    removed += changes;
    if (changes < SWEEP_CHUNK_ROWS) return removed;
    await yieldToEventLoop();
  }
}
