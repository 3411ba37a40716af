/**
 * `parley-relay migrate-to-postgres --data-dir DIR --postgres URL`: copies a
 * stopped SQLite relay's database (DIR/relay.sqlite) into PostgreSQL
 * (storage/sqlite-to-postgres.ts), prints each table's row count on both
 * sides, and fails, committing nothing, when a count differs or the target
 * schema already holds relay data.
 */
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import type { RelayConfig } from './config.js';
import { DEFAULT_DATABASE_FILE } from './storage/sqlite-files.js';

export interface MigrateOutput {
  stdout(text: string): void;
  stderr(text: string): void;
}

/** Runs the copy; returns the process exit code (0 copied and verified, 1 failed, 2 misused). */
export async function runMigrateCommand(config: RelayConfig, output: MigrateOutput): Promise<number> {
  if (config.postgresUrl === undefined) {
    output.stderr('parley-relay migrate-to-postgres: say where to copy to with --postgres URL\n');
    return 2;
  }
  const databasePath = join(config.dataDir, DEFAULT_DATABASE_FILE);
  try {
    await access(databasePath);
  } catch {
    output.stderr(`parley-relay migrate-to-postgres: no relay database at ${databasePath} (see --data-dir)\n`);
    return 2;
  }
  // Loaded only now: --help and flag errors stay fast.
  const { migrateSqliteToPostgres } = await import('./storage/sqlite-to-postgres.js');
  output.stdout(`copying ${databasePath} into PostgreSQL\n`);
  output.stdout(`${'table'.padEnd(18)}${'sqlite'.padStart(10)}${'postgres'.padStart(10)}\n`);
  try {
    await migrateSqliteToPostgres({
      dataDir: config.dataDir,
      postgres: { connectionString: config.postgresUrl, schema: config.postgresSchema },
      onTable: ({ table, sqlite, postgres }) =>
        output.stdout(`${table.padEnd(18)}${String(sqlite).padStart(10)}${String(postgres).padStart(10)}\n`),
    });
  } catch (error) {
    output.stderr(`parley-relay migrate-to-postgres: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
  output.stdout(
    'every count matches; committed. Start the relay with --postgres (and the same --postgres-schema); keep the data folder for its secrets.\n',
  );
  return 0;
}
