/**
 * Where the SQLite database lives and who may read it: the data folder is
 * created 0700, and the database file is created 0600 before SQLite opens it
 * (SQLite would create it 0644 under the usual umask). SQLite gives the -wal
 * and -shm files it creates the mode of the database file, so they follow.
 * Existing files with looser modes are tightened: they hold account
 * metadata (who is registered, who messages whom, when).
 */
import { chmod, mkdir, open, stat } from 'node:fs/promises';
import { join } from 'node:path';

export const DEFAULT_DATABASE_FILE = 'relay.sqlite';
export const DATA_FOLDER_MODE = 0o700;
export const DATABASE_FILE_MODE = 0o600;

/** The database file and the two files SQLite keeps next to it in WAL mode. */
export function databaseFiles(databasePath: string): readonly string[] {
  return [databasePath, `${databasePath}-wal`, `${databasePath}-shm`];
}

async function tightenIfLooser(path: string, mode: number): Promise<void> {
  let current: number;
  try {
    current = (await stat(path)).mode & 0o777;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  if ((current & ~mode) !== 0) await chmod(path, mode);
}

/**
 * Creates the data folder (0700) and the database file (0600) if missing and
 * returns the database path. An existing folder keeps its mode (it may be a
 * mounted volume the operator set up); the files in it are ours and are
 * tightened.
 */
export async function prepareDatabaseFile(dataDir: string, fileName: string): Promise<string> {
  const created = await mkdir(dataDir, { recursive: true, mode: DATA_FOLDER_MODE });
  const databasePath = join(dataDir, fileName);
  if (process.platform === 'win32') return databasePath;
  // mkdir's mode passes through the umask; set it exactly on the folder we made.
  if (created !== undefined) await chmod(dataDir, DATA_FOLDER_MODE);
  const handle = await open(databasePath, 'a', DATABASE_FILE_MODE);
  await handle.close();
  for (const path of databaseFiles(databasePath)) await tightenIfLooser(path, DATABASE_FILE_MODE);
  return databasePath;
}
