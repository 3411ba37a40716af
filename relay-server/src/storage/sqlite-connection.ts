/**
 * Opening, backing up and closing the SQLite store's one connection: where
 * the file goes, the durability settings it is opened with (and checked
 * against), the schema migrations, and the statements prepared once for it.
 */
import { open, rm } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { DurabilityReport } from './relay-store.js';
import {
  applyDurabilitySettings,
  checkDurability,
  DEFAULT_BUSY_TIMEOUT_MS,
  DEFAULT_SQLITE_SYNCHRONOUS,
  readDurabilitySettings,
  type SqliteDurabilityRequest,
  type SqliteSynchronousLevel,
  validateDurabilityRequest,
} from './sqlite-durability.js';
import { DATABASE_FILE_MODE, DEFAULT_DATABASE_FILE, prepareDatabaseFile } from './sqlite-files.js';
import { prepareLimitStatements } from './sqlite-limit-statements.js';
import { migrateSchema } from './sqlite-migrations.js';
import type { SqliteWriter } from './sqlite-prekeys.js';
import { prepareStatements } from './sqlite-statements.js';

/**
 * Where the database goes: a data folder (the file relay.sqlite in it, unless
 * named otherwise), or the database file's path (its folder is the data folder).
 */
export type SqliteLocation =
  | { readonly dataDir: string; readonly fileName?: string | undefined }
  | { readonly path: string };

export interface SqliteConnectionSettings {
  /** FULL (default) survives power loss; NORMAL survives process crashes only (see sqlite-durability.ts). */
  readonly synchronous?: SqliteSynchronousLevel | undefined;
  /** How long a write waits for another process's write lock before failing (default 5000 ms). */
  readonly busyTimeoutMs?: number | undefined;
}

export interface SqliteConnection extends SqliteWriter {
  readonly path: string;
  readonly durability: DurabilityReport;
  /** The configured level, which every transaction but the acknowledgement deletes runs with. */
  readonly synchronous: SqliteSynchronousLevel;
}

function resolveLocation(location: SqliteLocation): { readonly dataDir: string; readonly fileName: string } {
  if ('path' in location) return { dataDir: dirname(location.path), fileName: basename(location.path) };
  return { dataDir: location.dataDir, fileName: location.fileName ?? DEFAULT_DATABASE_FILE };
}

/**
 * Opens the database (creating its file 0600 if needed), applies and checks
 * the durability settings, migrates the schema and prepares the statements.
 * A failure after the file opened closes it again.
 */
export async function openSqliteConnection(
  options: SqliteLocation & SqliteConnectionSettings,
): Promise<SqliteConnection> {
  const request: SqliteDurabilityRequest = {
    synchronous: options.synchronous ?? DEFAULT_SQLITE_SYNCHRONOUS,
    busyTimeoutMs: options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS,
  };
  validateDurabilityRequest(request);
  const { dataDir, fileName } = resolveLocation(options);
  const path = await prepareDatabaseFile(dataDir, fileName);
  const db = new Database(path, { timeout: request.busyTimeoutMs });
  try {
    applyDurabilitySettings(db, request);
    const durability = checkDurability(request, readDurabilitySettings(db));
    migrateSchema(db);
    return {
      db,
      statements: prepareStatements(db),
      limitStatements: prepareLimitStatements(db),
      path,
      durability,
      synchronous: request.synchronous,
    };
  } catch (error) {
    db.close();
    throw error;
  }
}

/**
 * Writes a consistent copy of the live database to `destinationPath`
 * (SQLite's online backup API, in steps, so the relay keeps serving
 * meanwhile). The file is created 0600 and must not exist yet.
 */
export async function backupDatabase(db: Database.Database, destinationPath: string): Promise<void> {
  const handle = await open(destinationPath, 'wx', DATABASE_FILE_MODE);
  await handle.close();
  try {
    await db.backup(destinationPath);
  } catch (error) {
    await rm(destinationPath, { force: true });
    throw error;
  }
}

export function closeSqliteConnection(connection: SqliteConnection): void {
  // Lets SQLite refresh the planner statistics it found stale; cheap, and recommended before closing.
  connection.db.pragma('optimize');
  connection.db.close();
}
