/**
 * docs/backup-format.md §6 promises that a backup decrypts with libsodium
 * alone and gives a Python recipe. This runs that recipe, exactly as the doc
 * prints it, on a backup written by Parley's own code and compares what it
 * decodes with the records written. The bodies hold U+2028 and U+2029, which
 * JSON.stringify leaves raw and Python's str.splitlines() would split on.
 *
 * The recipe needs pysodium (Debian: python3-pysodium, which .ci/run
 * installs). Without it the test is skipped, unless
 * PARLEY_REQUIRE_PYTHON_RECIPE=1 (set by .ci/run), where it fails instead.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ARGON2ID_INTERACTIVE } from '../src/at-rest/index.js';
import { createBackupKey, encryptBackupWithKey } from '../src/backup/portable.js';
import {
  BACKUP_RECORDS_FORMAT,
  type BackupRecord,
  BackupTally,
  encodeBackupRecord,
  normalizeBackupPassphrase,
} from '../src/backup/records-entry.js';
import { concatBytes } from '../src/encoding.js';

const DOC = new URL('../../docs/backup-format.md', import.meta.url);
const ACCOUNT = 'lljjcgbv4ez6e7tveydepikcbcz4sjsj';
const REQUIRED = process.env.PARLEY_REQUIRE_PYTHON_RECIPE === '1';

/** The one ```python block of §6. */
function recipeFromDoc(): string {
  const doc = readFileSync(DOC, 'utf8');
  const section = doc.slice(doc.indexOf('## 6. Decrypting with libsodium alone'));
  const match = /```python\n([\s\S]*?)```/.exec(section);
  if (match?.[1] === undefined) throw new Error('docs/backup-format.md §6 has no python block');
  return match[1];
}

/** A Python that can import what the recipe imports, or null. */
function findPython(): string | null {
  for (const candidate of ['python3', '/usr/bin/python3', 'python']) {
    const probe = spawnSync(candidate, ['-c', 'import pysodium'], { stdio: 'ignore', timeout: 20_000 });
    if (probe.status === 0) return candidate;
  }
  return null;
}

const python = findPython();
if (python === null && REQUIRED) {
  throw new Error(
    'PARLEY_REQUIRE_PYTHON_RECIPE=1 but no python3 can import pysodium (apt-get install python3-pysodium)',
  );
}

/** Runs the recipe on FILE with the passphrase on stdin; resolves its stdout. */
function runRecipe(script: string, file: string, passphrase: string): Promise<string> {
  return new Promise((resolve, reject) => {
    // detached: a new session without a terminal, so getpass reads the passphrase from stdin.
    const child = spawn(python ?? 'python3', [script, file], {
      detached: true,
      env: { ...process.env, PYTHONUTF8: '1' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(Buffer.concat(out).toString('utf8'));
      else reject(new Error(`recipe exited ${code}: ${Buffer.concat(err).toString('utf8')}`));
    });
    child.stdin.end(`${passphrase}\n`);
  });
}

function history(): BackupRecord[] {
  const conversationId = `direct:${ACCOUNT}`;
  const bodies = [
    'line one\u2028line two\u2029paragraph',
    'héllo wörld ✓ — 你好 👋🏽',
    'a real\nnewline and a "quoted" {"type":"end"}',
  ];
  const records: BackupRecord[] = [
    {
      type: 'backup',
      format: BACKUP_RECORDS_FORMAT,
      version: 1,
      createdAt: 1_700_000_000_000,
      includesIdentity: false,
    },
    { type: 'setting', key: 'theme', value: { name: 'dark\u2028', accent: 'grün' } },
    {
      type: 'contact',
      accountId: ACCOUNT as never,
      displayName: 'Zoë\u2028Ångström',
      relayUrl: 'https://relay.example.org',
      verified: true,
      origin: 'contact-code',
      addedAt: 1_700_000_000_000,
    },
    ...bodies.map(
      (body, index): BackupRecord => ({
        type: 'message',
        id: `m${index}`,
        conversationId,
        kind: 'text',
        direction: index % 2 === 0 ? 'incoming' : 'outgoing',
        senderAccountId: ACCOUNT as never,
        sentAt: 1_700_000_000_000 + index,
        receivedAt: null,
        sortKey: `a${index}`,
        state: 'read',
        envelopeId: null,
        serverTimestamp: null,
        body,
      }),
    ),
  ];
  const tally = new BackupTally();
  for (const record of records) tally.add(record);
  return [...records, tally.endRecord()];
}

const work = mkdtempSync(join(tmpdir(), 'parley-python-recipe-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe.skipIf(python === null)('docs/backup-format.md §6: the Python recipe', () => {
  it.each([
    ['the generated code, grouped as shown', '12345 67890 13579 24680 11223 34455', false],
    ['the generated code, pasted with dashes and a tab', '12345-67890-13579\t24680-11223-34455', false],
    ['a chosen passphrase typed decomposed (NFD)', 'Crème brûlée über Åland, twice'.normalize('NFD'), true],
  ])(
    'decodes a backup Parley wrote, with %s',
    async (_label, typed, chosen) => {
      const records = history();
      // Written as the vault writes: the key from the normalised passphrase.
      const key = await createBackupKey(normalizeBackupPassphrase(typed), { kdf: ARGON2ID_INTERACTIVE });
      if (chosen) expect(normalizeBackupPassphrase(typed)).toBe(typed.normalize('NFC'));
      const pieces: Uint8Array[] = [];
      const plaintext = concatBytes(...records.map(encodeBackupRecord));
      // Small chunks, so records and multi-byte characters straddle frames.
      for await (const piece of encryptBackupWithKey([plaintext], key, { chunkSize: 256 })) pieces.push(piece);
      const file = join(work, `${Math.random().toString(36).slice(2)}.parleybackup`);
      writeFileSync(file, concatBytes(...pieces));
      const script = join(work, 'decrypt.py');
      writeFileSync(script, recipeFromDoc());

      const printed = await runRecipe(script, file, typed);
      const decoded = printed
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line) as unknown);
      expect(decoded).toEqual(records);
    },
    120_000,
  );
});
