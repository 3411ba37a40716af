/**
 * The messages between SqliteRelayStore (the relay's event loop) and its
 * writer thread (sqlite-writer-thread.ts), and how errors and send outcomes
 * cross between them.
 *
 * The thread answers requests strictly in the order they arrive, so the
 * order in which the event loop posts writes is the order they commit in.
 * Errors are carried as plain fields and rebuilt on the event loop's side, so
 * a RelayStoreError keeps its code and details (structured cloning would turn
 * it into a bare Error). commitSends answers only the seqs it assigned: the
 * event loop still holds the envelopes and rebuilds the stored ones from
 * them, which spares copying every ciphertext back across threads.
 */
import type { DurabilityReport, NewSend, SendOutcome, SendRefusal } from './relay-store.js';
import { RelayStoreError, type RelayStoreErrorCode, type RelayStoreErrorDetails } from './relay-store-errors.js';
import type { SqliteConnectionStoreOptions } from './sqlite-connection-store.js';
import { storedEnvelope } from './stored-envelope.js';

/** The store methods the writer thread runs: every write, plus the count the health check reads through it. */
export const WRITER_METHODS = [
  'putChallenge',
  'consumeChallenge',
  'deleteExpiredChallenges',
  'registerDevice',
  'setAccessKeys',
  'deleteAccount',
  'storePreKeys',
  'claimBundle',
  'createInvites',
  'deleteExpiredInvites',
  'commitSends',
  'chargeStoredBytes',
  'deleteExpiredSendUsage',
  'insertEnvelopes',
  'deleteEnvelopes',
  'deleteEnvelopesBatch',
  'deleteExpiredEnvelopes',
  'countEnvelopes',
  'backupTo',
] as const;
export type WriterMethod = (typeof WRITER_METHODS)[number];

export interface WriterThreadData {
  readonly options: SqliteConnectionStoreOptions;
  /**
   * How often the thread checks for commits by other connections to the
   * file (other processes) and reports them with a `foreign-commit` message;
   * null: never.
   */
  readonly foreignCommitCheckMs: number | null;
}

export interface WriterRequest {
  readonly id: number;
  readonly method: WriterMethod | 'close';
  readonly args: readonly unknown[];
}

/** An error as it crosses the thread boundary. */
export interface CarriedError {
  readonly name: string;
  readonly message: string;
  /** A RelayStoreError's code, or an engine error's (e.g. SQLITE_FULL). */
  readonly code?: string | undefined;
  readonly details?: RelayStoreErrorDetails | undefined;
}

export type WriterReply =
  | { readonly kind: 'opened'; readonly durability: DurabilityReport; readonly path: string }
  | { readonly kind: 'open-failed'; readonly error: CarriedError }
  | { readonly kind: 'foreign-commit' }
  | { readonly kind: 'result'; readonly id: number; readonly value: unknown }
  | { readonly kind: 'failed'; readonly id: number; readonly error: CarriedError };

/** A commitSends outcome as the thread answers it: the seqs of the send's envelopes, in order. */
export type CompactOutcome =
  | { readonly ok: true; readonly seqs: readonly number[] }
  | { readonly ok: false; readonly refusal: SendRefusal };

export function carryError(error: unknown): CarriedError {
  if (RelayStoreError.is(error)) {
    return { name: error.name, message: error.message, code: error.code, details: error.details };
  }
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return { name: error.name, message: error.message, code: typeof code === 'string' ? code : undefined };
  }
  return { name: 'Error', message: String(error) };
}

/** The carried error as thrown on this side: a RelayStoreError again when it was one. */
export function rebuildError(carried: CarriedError): Error {
  const error = new Error(carried.message);
  error.name = carried.name;
  if (carried.code !== undefined) Object.assign(error, { code: carried.code });
  if (carried.name === 'RelayStoreError' && carried.code !== undefined) {
    return new RelayStoreError(carried.code as RelayStoreErrorCode, carried.message, error, carried.details);
  }
  return error;
}

export function compactOutcomes(outcomes: readonly SendOutcome[]): CompactOutcome[] {
  return outcomes.map((outcome) =>
    outcome.ok ? { ok: true, seqs: outcome.stored.map((envelope) => envelope.seq) } : outcome,
  );
}

/** The outcomes the thread answered, with the stored envelopes rebuilt from the sends they came from. */
export function expandOutcomes(sends: readonly NewSend[], compact: readonly CompactOutcome[]): SendOutcome[] {
  return compact.map((outcome, index): SendOutcome => {
    if (!outcome.ok) return outcome;
    const envelopes = sends[index]?.envelopes ?? [];
    if (envelopes.length !== outcome.seqs.length) {
      throw new Error(`the writer thread answered ${outcome.seqs.length} seqs for a send of ${envelopes.length}`);
    }
    return { ok: true, stored: envelopes.map((envelope, at) => storedEnvelope(envelope, outcome.seqs[at] as number)) };
  });
}
