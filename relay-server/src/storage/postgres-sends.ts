/**
 * The PostgreSQL store's envelope commits: sends under the queue limits and
 * the daily quota (commitSends), plain batches (insertEnvelopes, the same
 * path without limits), and invites.
 *
 * Seq order is commit order within a queue. A sequence alone would not do:
 * nextval() hands out numbers when called, not when the transaction commits,
 * so a transaction that drew 7 could commit after one that drew 8, and a
 * client that drained up to 8 meanwhile would skip 7 for ever. So each
 * transaction first locks the `queue_usage` row of every queue it writes to
 * (an upsert, which creates the row for a new queue), in one sorted order,
 * and only then draws its seqs. Two transactions writing to the same queue
 * hold that lock one after the other until they commit, so the later one
 * draws later, larger numbers: within a queue, a larger seq is always a
 * later commit. Queues of different devices do not wait for each other.
 * The sequence is global and never goes back, so a seq is not reused even
 * after an account is erased and registered again (no per-queue counter has
 * to outlive the account).
 *
 * The same locks make the limit checks exact: the usage rows read are
 * locked, so no other node can fill the queue or spend the sender's day
 * between the check and the commit. Send-usage rows are locked before queue
 * rows, each set sorted: the store's one lock order (postgres-queue-locks.ts),
 * which acknowledgements and sweeps follow too.
 */
import type { AccountId } from '@parley/crypto-core/wire';
import type pg from 'pg';
import { isUniqueViolationOf } from './postgres-connection.js';
import { lockQueueUsage, queueKey } from './postgres-queue-locks.js';
import type { NewEnvelope, NewInvite, NewSend, SendLimits, SendOutcome, StoredEnvelope } from './relay-store.js';
import { duplicateEnvelope, invalidInput } from './relay-store-errors.js';
import { decodeCanonicalBase64 } from './store-input.js';
import { envelopeBytes, refusalOf, type SendLedger, sendBytes, utcDay } from './store-limits.js';
import { storedEnvelope } from './stored-envelope.js';

const UNLIMITED: Omit<SendLimits, 'now'> = {
  maxQueueEnvelopes: Number.POSITIVE_INFINITY,
  maxQueueBytes: Number.POSITIVE_INFINITY,
  dailySendBytes: Number.POSITIVE_INFINITY,
};

/** DUPLICATE_ENVELOPE for an id repeated anywhere in the call (refused sends included). */
function assertDistinctIds(envelopes: readonly NewEnvelope[]): void {
  const seen = new Set<string>();
  envelopes.forEach((envelope, index) => {
    if (seen.has(envelope.id)) throw duplicateEnvelope(envelope.id, index);
    seen.add(envelope.id);
  });
}

/** Locks (creating at zero) the senders' usage rows for `day`, sorted, and returns their bytes. */
async function lockSenders(
  client: pg.PoolClient,
  senders: readonly AccountId[],
  day: number,
): Promise<Map<string, number>> {
  const sorted = [...new Set(senders)].sort();
  if (sorted.length === 0) return new Map();
  const { rows } = await client.query<{ account_id: string; bytes: number }>(
    `INSERT INTO send_usage AS s (account_id, day, bytes)
     SELECT account_id, $2, 0 FROM unnest($1::text[]) WITH ORDINALITY AS u (account_id, n) ORDER BY n
     ON CONFLICT (account_id, day) DO UPDATE SET bytes = s.bytes
     RETURNING account_id, bytes`,
    [sorted, day],
  );
  return new Map(rows.map((row) => [row.account_id, row.bytes]));
}

/** Inserts envelopes with seqs drawn in array order (volatile nextval() is evaluated after ORDER BY). */
async function insertRows(client: pg.PoolClient, envelopes: readonly NewEnvelope[]): Promise<number[]> {
  if (envelopes.length === 0) return [];
  try {
    const { rows } = await client.query<{ seq: number }>(
      `INSERT INTO envelopes (seq, id, recipient, device_id, type, source_account, source_device, content,
         content_bytes, server_timestamp, expires_at)
       SELECT nextval('envelope_seq'), id, recipient, device_id, type, source_account, source_device, content,
         content_bytes, server_timestamp, expires_at
       FROM unnest($1::text[], $2::text[], $3::integer[], $4::text[], $5::text[], $6::integer[], $7::text[],
         $8::integer[], $9::bigint[], $10::bigint[]) WITH ORDINALITY
         AS u (id, recipient, device_id, type, source_account, source_device, content, content_bytes,
           server_timestamp, expires_at, n)
       ORDER BY n
       RETURNING seq`,
      [
        envelopes.map((envelope) => envelope.id),
        envelopes.map((envelope) => envelope.recipient),
        envelopes.map((envelope) => envelope.deviceId),
        envelopes.map((envelope) => envelope.type),
        envelopes.map((envelope) => envelope.source?.accountId ?? null),
        envelopes.map((envelope) => envelope.source?.deviceId ?? null),
        envelopes.map((envelope) => envelope.content),
        envelopes.map(envelopeBytes),
        envelopes.map((envelope) => envelope.serverTimestamp),
        envelopes.map((envelope) => envelope.expiresAt),
      ],
    );
    // RETURNING follows the insert order; sorting makes that explicit.
    return rows.map((row) => row.seq).sort((a, b) => a - b);
  } catch (error) {
    if (!isUniqueViolationOf(error, 'envelopes_id_key')) throw error;
    const detail = String((error as { detail?: unknown }).detail ?? '');
    const index = envelopes.findIndex((envelope) => detail.includes(`(${envelope.id})`));
    throw duplicateEnvelope(envelopes[index]?.id ?? 'unknown', Math.max(index, 0), error);
  }
}

/** RelayStore.commitSends (and insertEnvelopes, with no limits) inside the caller's transaction. */
export async function commitSendsIn(
  client: pg.PoolClient,
  sends: readonly NewSend[],
  limits: SendLimits | null,
): Promise<SendOutcome[]> {
  const all = sends.flatMap((send) => send.envelopes);
  assertDistinctIds(all);
  if (all.length === 0) return sends.map(() => ({ ok: true, stored: [] }));
  const effective: SendLimits = limits ?? { ...UNLIMITED, now: 0 };
  const stored = await client.query<{ id: string }>('SELECT id FROM envelopes WHERE id = ANY($1::text[]) LIMIT 1', [
    all.map((envelope) => envelope.id),
  ]);
  const storedId = stored.rows[0]?.id;
  if (storedId !== undefined) {
    throw duplicateEnvelope(
      storedId,
      all.findIndex((envelope) => envelope.id === storedId),
    );
  }
  const day = utcDay(effective.now);
  const senders = limits === null ? [] : sends.flatMap((send) => (send.sender === null ? [] : [send.sender]));
  const sentToday = await lockSenders(client, senders, day);
  const queued = await lockQueueUsage(client, all);
  const ledger: SendLedger = {
    sentOn: (accountId) => sentToday.get(accountId) ?? 0,
    queued: (recipient, deviceId) => queued.get(queueKey(recipient, deviceId)) ?? { envelopes: 0, bytes: 0 },
  };
  const outcomes: Array<SendOutcome | null> = [];
  const accepted: NewEnvelope[] = [];
  for (const send of sends) {
    const refusal = refusalOf(send, effective, ledger);
    if (refusal !== null) {
      outcomes.push({ ok: false, refusal });
      continue;
    }
    outcomes.push(null);
    accepted.push(...send.envelopes);
    // Later sends of the call are checked against what this one adds.
    for (const envelope of send.envelopes) {
      const key = queueKey(envelope.recipient, envelope.deviceId);
      const usage = ledger.queued(envelope.recipient, envelope.deviceId);
      queued.set(key, { envelopes: usage.envelopes + 1, bytes: usage.bytes + envelopeBytes(envelope) });
    }
    if (send.sender !== null && limits !== null) {
      sentToday.set(send.sender, (sentToday.get(send.sender) ?? 0) + sendBytes(send));
    }
  }
  const seqs = await insertRows(client, accepted);
  const charged = [...sentToday.entries()];
  if (limits !== null && charged.length > 0) {
    await client.query(
      `UPDATE send_usage AS s SET bytes = u.bytes
       FROM unnest($1::text[], $2::bigint[]) AS u (account_id, bytes)
       WHERE s.account_id = u.account_id AND s.day = $3`,
      [charged.map(([account]) => account), charged.map(([, bytes]) => bytes), day],
    );
  }
  let next = 0;
  return outcomes.map((outcome, index): SendOutcome => {
    if (outcome !== null) return outcome;
    const send = sends[index] as NewSend;
    return { ok: true, stored: send.envelopes.map((envelope) => storedEnvelope(envelope, seqs[next++] as number)) };
  });
}

/** RelayStore.insertEnvelopes: one batch, no limits, seqs in commit order. */
export async function insertEnvelopesIn(
  client: pg.PoolClient,
  envelopes: readonly NewEnvelope[],
): Promise<StoredEnvelope[]> {
  const [outcome] = await commitSendsIn(client, [{ sender: null, envelopes }], null);
  return outcome?.ok === true ? outcome.stored : [];
}

export async function createInvitesIn(client: pg.PoolClient, invites: readonly NewInvite[]): Promise<void> {
  const rows = invites.map((invite) => ({ hash: decodeCanonicalBase64(invite.codeHash, 'invite code hash'), invite }));
  if (rows.length === 0) return;
  try {
    await client.query(
      `INSERT INTO invites (code_hash, created_at, expires_at)
       SELECT * FROM unnest($1::bytea[], $2::bigint[], $3::bigint[])`,
      [rows.map((row) => row.hash), rows.map((row) => row.invite.createdAt), rows.map((row) => row.invite.expiresAt)],
    );
  } catch (error) {
    if (isUniqueViolationOf(error, 'invites_pkey')) throw invalidInput('an invite code hash is already stored');
    throw error;
  }
}
