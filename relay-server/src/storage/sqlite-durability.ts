/**
 * The SQLite connection settings the relay's delivery guarantee rests on, set
 * at open and then read back: a PRAGMA that SQLite does not honour (WAL on a
 * filesystem without shared memory, a build without foreign keys) is silently
 * ignored by SQLite, so only the read-back value is evidence. Anything that
 * differs from what was asked stops the relay at start-up.
 *
 * What each level promises in WAL mode (https://sqlite.org/pragma.html#pragma_synchronous):
 * - FULL (default) and EXTRA: the WAL is fsynced at every commit; a commit
 *   that returned survives a process crash and power loss / an OS crash.
 * - NORMAL: the WAL is fsynced only at checkpoints; a commit that returned
 *   survives a process crash (it is in the OS page cache), but the last
 *   commits before a power loss / OS crash may be rolled back (the database
 *   stays consistent, never corrupt).
 * OFF is refused: it may corrupt the database on power loss.
 */
import type Database from 'better-sqlite3';
import type { DurabilityReport } from './relay-store.js';
import { RelayStoreError, RelayStoreErrorCode } from './relay-store-errors.js';

export const SQLITE_SYNCHRONOUS_LEVELS = ['NORMAL', 'FULL', 'EXTRA'] as const;
export type SqliteSynchronousLevel = (typeof SQLITE_SYNCHRONOUS_LEVELS)[number];
export const DEFAULT_SQLITE_SYNCHRONOUS: SqliteSynchronousLevel = 'FULL';
export const DEFAULT_BUSY_TIMEOUT_MS = 5000;
/** After a checkpoint, the WAL file is truncated back to at most this size (it would otherwise stay at its peak). */
export const WAL_SIZE_LIMIT_BYTES = 64 * 1024 * 1024;

/** The numbers PRAGMA synchronous reads back as. */
const SYNCHRONOUS_NAMES: Readonly<Record<number, string>> = { 0: 'OFF', 1: 'NORMAL', 2: 'FULL', 3: 'EXTRA' };

export interface SqliteDurabilityRequest {
  readonly synchronous: SqliteSynchronousLevel;
  readonly busyTimeoutMs: number;
}

/** The connection's settings as SQLite reports them. */
export interface SqliteSettingsReadback {
  readonly journalMode: string;
  readonly synchronous: string;
  readonly foreignKeys: boolean;
  readonly secureDelete: boolean;
  readonly busyTimeoutMs: number;
  /** Only meaningful on macOS, where a plain fsync does not flush the drive's cache. */
  readonly fullFsync: boolean;
}

function isSynchronousLevel(value: string): value is SqliteSynchronousLevel {
  return (SQLITE_SYNCHRONOUS_LEVELS as readonly string[]).includes(value);
}

/** Parses a configured level (case-insensitive); throws UNSUPPORTED_SETTING for anything else, OFF included. */
export function parseSqliteSynchronous(text: string): SqliteSynchronousLevel {
  const level = text.trim().toUpperCase();
  if (isSynchronousLevel(level)) return level;
  throw new RelayStoreError(
    RelayStoreErrorCode.UnsupportedSetting,
    `SQLite synchronous=${text} is not supported: use ${SQLITE_SYNCHRONOUS_LEVELS.join(', ')} (OFF can corrupt the database on power loss)`,
  );
}

/** Checks a request before anything is opened (values may come from untyped configuration). */
export function validateDurabilityRequest(request: SqliteDurabilityRequest): void {
  parseSqliteSynchronous(request.synchronous);
  if (!Number.isSafeInteger(request.busyTimeoutMs) || request.busyTimeoutMs < 0) {
    throw new RelayStoreError(
      RelayStoreErrorCode.UnsupportedSetting,
      `SQLite busy timeout must be an integer number of milliseconds >= 0, not ${request.busyTimeoutMs}`,
    );
  }
}

export function applyDurabilitySettings(db: Database.Database, request: SqliteDurabilityRequest): void {
  // First, so that even switching to WAL waits for another process instead of failing.
  db.pragma(`busy_timeout = ${request.busyTimeoutMs}`);
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${request.synchronous}`);
  db.pragma('foreign_keys = ON');
  // Deleted rows are overwritten with zeros, so erased accounts and delivered
  // envelopes do not linger in free pages of the file.
  db.pragma('secure_delete = ON');
  db.pragma(`journal_size_limit = ${WAL_SIZE_LIMIT_BYTES}`);
  if (process.platform === 'darwin') {
    db.pragma('fullfsync = ON');
    db.pragma('checkpoint_fullfsync = ON');
  }
}

function readPragma(db: Database.Database, name: string): unknown {
  return db.pragma(name, { simple: true });
}

export function readDurabilitySettings(db: Database.Database): SqliteSettingsReadback {
  const synchronous = Number(readPragma(db, 'synchronous'));
  return {
    journalMode: String(readPragma(db, 'journal_mode')).toLowerCase(),
    synchronous: SYNCHRONOUS_NAMES[synchronous] ?? `unknown (${synchronous})`,
    foreignKeys: Number(readPragma(db, 'foreign_keys')) === 1,
    secureDelete: Number(readPragma(db, 'secure_delete')) === 1,
    busyTimeoutMs: Number(readPragma(db, 'busy_timeout')),
    fullFsync: Number(readPragma(db, 'fullfsync')) === 1,
  };
}

/**
 * Compares what SQLite reports with what was asked; throws
 * DURABILITY_MISMATCH naming every difference, or returns what the store
 * promises.
 */
export function checkDurability(request: SqliteDurabilityRequest, actual: SqliteSettingsReadback): DurabilityReport {
  const problems: string[] = [];
  if (actual.journalMode !== 'wal') problems.push(`journal_mode is ${actual.journalMode}, expected wal`);
  if (actual.synchronous !== request.synchronous) {
    problems.push(`synchronous is ${actual.synchronous}, expected ${request.synchronous}`);
  }
  if (!actual.foreignKeys) problems.push('foreign_keys is off (account deletion relies on its cascades)');
  if (!actual.secureDelete) problems.push('secure_delete is off (erased data would linger in the file)');
  if (actual.busyTimeoutMs !== request.busyTimeoutMs) {
    problems.push(`busy_timeout is ${actual.busyTimeoutMs} ms, expected ${request.busyTimeoutMs} ms`);
  }
  if (process.platform === 'darwin' && !actual.fullFsync) problems.push('fullfsync is off (macOS)');
  if (problems.length > 0) {
    throw new RelayStoreError(
      RelayStoreErrorCode.DurabilityMismatch,
      `SQLite did not accept the relay's durability settings: ${problems.join('; ')}`,
    );
  }
  const flushesEveryCommit = actual.synchronous === 'FULL' || actual.synchronous === 'EXTRA';
  const settings: Record<string, string> = {
    journal_mode: actual.journalMode,
    synchronous: actual.synchronous,
    foreign_keys: 'on',
    secure_delete: 'on',
    busy_timeout_ms: String(actual.busyTimeoutMs),
  };
  if (process.platform === 'darwin') settings.fullfsync = 'on';
  return {
    engine: 'sqlite',
    survivesProcessCrash: true,
    survivesPowerLoss: flushesEveryCommit,
    settings,
  };
}

/**
 * Runs `work` (which must not leave a transaction open) with synchronous=NORMAL
 * on this connection, then restores `configured`, also when `work` throws.
 * For writes whose loss on power failure is harmless (see
 * SqliteRelayStore.deleteEnvelopesBatch): in WAL mode their commit skips the
 * fsync, and the next commit made with FULL or EXTRA, or the next
 * checkpoint, flushes them along with its own frames.
 */
export function withoutCommitFlush<T>(db: Database.Database, configured: SqliteSynchronousLevel, work: () => T): T {
  if (configured === 'NORMAL') return work();
  db.pragma('synchronous = NORMAL');
  try {
    return work();
  } finally {
    db.pragma(`synchronous = ${configured}`);
  }
}
