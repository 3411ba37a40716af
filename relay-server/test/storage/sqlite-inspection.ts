/**
 * Looks inside a relay database from outside the store, the way an auditor
 * would: its own read-only connection, every table (internal ones included)
 * and every column, and the raw bytes of the files. Used to prove erasure.
 */
import { readFile } from 'node:fs/promises';
import Database from 'better-sqlite3';
import type { ResidueNeedles } from './relay-store-contract.js';

interface TableRow {
  readonly name: string;
}

function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

export function matchesIn(value: unknown, needles: ResidueNeedles): boolean {
  if (typeof value === 'string') {
    return (
      needles.strings.some((needle) => value.includes(needle)) ||
      needles.bytes.some((needle) => value.includes(needle.toString('base64')))
    );
  }
  if (Buffer.isBuffer(value)) {
    return (
      needles.bytes.some((needle) => value.includes(needle)) ||
      needles.strings.some((needle) => value.includes(Buffer.from(needle)))
    );
  }
  return false;
}

/** "table.column" for every value in the database that contains a needle. */
export function findResidueInDatabase(databasePath: string, needles: ResidueNeedles): string[] {
  const db = new Database(databasePath, { readonly: true });
  try {
    const found: string[] = [];
    const tables = db
      .prepare<[], TableRow>("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name")
      .all()
      .map((row) => row.name);
    for (const table of ['sqlite_schema', ...tables]) {
      const rows = db.prepare<[], Record<string, unknown>>(`SELECT * FROM ${quoteIdentifier(table)}`).all();
      for (const row of rows) {
        for (const [column, value] of Object.entries(row)) {
          if (matchesIn(value, needles)) found.push(`${table}.${column}`);
        }
      }
    }
    return [...new Set(found)];
  } finally {
    db.close();
  }
}

/** Needles found anywhere in the raw bytes of `files` (free pages, WAL frames and all). */
export async function findResidueInFiles(files: readonly string[], needles: ResidueNeedles): Promise<string[]> {
  const found: string[] = [];
  for (const file of files) {
    let bytes: Buffer;
    try {
      bytes = await readFile(file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw error;
    }
    if (matchesIn(bytes, needles)) found.push(file);
  }
  return found;
}
