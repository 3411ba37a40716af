/**
 * `npm run bench -w desktop` (second part): backup export and restore of
 * 100,000 messages through the vault's backup pipeline, beside raw libsodium
 * secretstream over the same plaintext bytes in the same run.
 *
 * What is measured (the container and record pipeline, not IndexedDB):
 *   export   generated history records, 500 per call, through dispatchVaultCall
 *            (schema validation as over IPC) -> record stream -> secretstream ->
 *            temporary file -> fsync -> rename (vault/backup/backup-export.ts)
 *   verify   the restore's first pass: every chunk, TAG_FINAL, every record
 *   read     the restore's second pass: backupRestoreRead batches, as the
 *            engine pulls them
 *   raw      encryptBackupWithKey / decryptBackupWithKey over the same plaintext
 *            held in memory (no records, no files)
 * Argon2id (INTERACTIVE here; MODERATE in the app) runs once per side in a
 * worker and is reported apart. Peak RSS is the process maximum; peak heap is
 * sampled every 20 ms.
 *
 *   node --conditions=source --import tsx bench/backup-bench.ts [messages]
 *
 * Ends with one JSON line of every figure.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import {
  ARGON2ID_INTERACTIVE,
  type BackupKey,
  decryptBackupWithKey,
  encodeBackupRecord,
  encryptBackupWithKey,
  type HistoryRecord,
} from '@parley/crypto-core';
import { dispatchVaultCall } from '../src/common/dispatch.js';
import { MAX_BACKUP_RECORDS_PER_CALL } from '../src/common/vault-api.js';
import { openBackupFile } from '../src/vault/backup/backup-reading.js';
import { Vault } from '../src/vault/index.js';
import { MemoryKeychain } from '../test/vault/support/memory-keychain.js';

const MESSAGES = Number(process.argv[2] ?? 100_000);
const PASSPHRASE = '12345 67890 13579 24680 11223 34455';

let peakHeap = 0;
const sampler = setInterval(() => {
  peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
}, 20);

function messageRecord(index: number, accountId: string): HistoryRecord {
  const id = randomUUID();
  const sentAt = 1_735_689_600_000 + index * 1000;
  return {
    type: 'message',
    id,
    conversationId: `direct:${accountId}`,
    kind: 'text',
    direction: index % 2 === 0 ? 'incoming' : 'outgoing',
    senderAccountId: accountId as Extract<HistoryRecord, { type: 'message' }>['senderAccountId'],
    sentAt,
    receivedAt: index % 2 === 0 ? sentAt + 4 : null,
    sortKey: `${String(sentAt).padStart(16, '0')}-${id}`,
    state: 'read',
    envelopeId: index % 2 === 0 ? randomUUID() : null,
    serverTimestamp: sentAt + 2,
    // Typical chat lengths: 20..180 characters.
    body: `message ${index}: ${'lorem ipsum dolor sit amet '.repeat(1 + (index % 6))}`.slice(0, 20 + (index % 160)),
  };
}

async function call<T>(vault: Vault, method: string, args: unknown): Promise<T> {
  const result = await dispatchVaultCall(vault, method, JSON.parse(JSON.stringify(args)));
  if (!result.ok) throw new Error(`${method}: ${result.error.code} ${result.error.message}`);
  return result.value as T;
}

function mbps(bytes: number, ms: number): number {
  return Math.round((bytes / (1024 * 1024) / (ms / 1000)) * 10) / 10;
}

async function main(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'parley-backup-bench-'));
  try {
    const vault = new Vault({
      profileDir: join(root, 'profile'),
      keyProtection: 'os-keychain',
      keychain: new MemoryKeychain(),
      backupDir: join(root, 'backups'),
      backupKdf: ARGON2ID_INTERACTIVE,
    });
    const account = await vault.createIdentity({});

    // Export.
    let started = performance.now();
    const { exportId } = await call<{ exportId: string }>(vault, 'backupExportBegin', {
      passphrase: PASSPHRASE,
      includeIdentity: true,
      fileName: 'bench.parleybackup',
    });
    const kdfMs = performance.now() - started;
    let plaintextBytes = 0;
    started = performance.now();
    for (let first = 0; first < MESSAGES; first += MAX_BACKUP_RECORDS_PER_CALL) {
      const records: HistoryRecord[] = [];
      for (let index = first; index < Math.min(MESSAGES, first + MAX_BACKUP_RECORDS_PER_CALL); index++) {
        records.push(messageRecord(index, account.accountId));
      }
      ({ bytes: plaintextBytes } = await call<{ bytes: number }>(vault, 'backupExportWrite', { exportId, records }));
    }
    const finished = await call<{ path: string; bytes: number }>(vault, 'backupExportFinish', { exportId });
    const exportMs = performance.now() - started;
    const fileBytes = statSync(finished.path).size;

    // Restore: verify pass, then the engine's read pass.
    started = performance.now();
    const openedFile = await openBackupFile(finished.path, PASSPHRASE);
    const restoreKdfMs = performance.now() - started;
    started = performance.now();
    const session = await vault.backups.restores.openWithKey(finished.path, openedFile, null, false);
    const verifyMs = performance.now() - started;
    started = performance.now();
    let restored = 0;
    for (;;) {
      const batch = await call<{ records: unknown[]; done: boolean }>(vault, 'backupRestoreRead', {
        restoreId: session.id,
      });
      restored += batch.records.length;
      if (batch.done) break;
    }
    const readMs = performance.now() - started;
    await vault.backupRestoreFinish({ restoreId: session.id, outcome: 'imported' });
    if (restored !== MESSAGES) throw new Error(`restored ${restored} of ${MESSAGES} messages`);

    // Memory of the pipeline itself, before the raw part holds whole buffers.
    const pipelinePeakRssMB = Math.round(process.resourceUsage().maxRSS / 1024);
    const pipelinePeakHeapMB = Math.round(peakHeap / (1024 * 1024));

    // Raw secretstream over the same amount of record bytes, in one buffer (pure crypto, no records, no files).
    const key: BackupKey = session.opened.key;
    const plaintext = new Uint8Array(plaintextBytes);
    let filled = 0;
    for (let index = 0; index < MESSAGES && filled < plaintextBytes; index++) {
      const line = encodeBackupRecord(messageRecord(index, account.accountId));
      plaintext.set(line.subarray(0, plaintextBytes - filled), filled);
      filled += line.byteLength;
    }
    const sealed: Uint8Array[] = [];
    started = performance.now();
    for await (const piece of encryptBackupWithKey([plaintext], key)) sealed.push(piece);
    const rawEncryptMs = performance.now() - started;
    let opened = 0;
    started = performance.now();
    for await (const piece of decryptBackupWithKey(sealed, key)) opened += piece.byteLength;
    const rawDecryptMs = performance.now() - started;
    await vault.lock({});

    clearInterval(sampler);
    const figures = {
      bench: 'backup',
      messages: MESSAGES,
      plaintextMB: Math.round((plaintextBytes / (1024 * 1024)) * 10) / 10,
      fileMB: Math.round((fileBytes / (1024 * 1024)) * 10) / 10,
      argon2idInteractiveExportMs: Math.round(kdfMs),
      argon2idInteractiveRestoreMs: Math.round(restoreKdfMs),
      exportMs: Math.round(exportMs),
      exportMBps: mbps(plaintextBytes, exportMs),
      exportMessagesPerSec: Math.round(MESSAGES / (exportMs / 1000)),
      restoreVerifyMs: Math.round(verifyMs),
      restoreVerifyMBps: mbps(plaintextBytes, verifyMs),
      restoreReadMs: Math.round(readMs),
      restoreMs: Math.round(verifyMs + readMs),
      restoreMessagesPerSec: Math.round(MESSAGES / ((verifyMs + readMs) / 1000)),
      restoreMBps: mbps(plaintextBytes, verifyMs + readMs),
      rawSecretstreamEncryptMBps: mbps(opened, rawEncryptMs),
      rawSecretstreamDecryptMBps: mbps(opened, rawDecryptMs),
      exportVsRawEncrypt: Math.round((rawEncryptMs / exportMs) * 100) / 100,
      restoreVsRawDecrypt: Math.round((rawDecryptMs / (verifyMs + readMs)) * 100) / 100,
      pipelinePeakRssMB,
      pipelinePeakHeapMB,
      peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
    };
    console.log(`backup export: ${figures.exportMessagesPerSec} messages/s, ${figures.exportMBps} MB/s`);
    console.log(
      `backup restore (verify + read): ${figures.restoreMessagesPerSec} messages/s, ${figures.restoreMBps} MB/s`,
    );
    console.log(
      `raw secretstream: encrypt ${figures.rawSecretstreamEncryptMBps} MB/s, decrypt ${figures.rawSecretstreamDecryptMBps} MB/s`,
    );
    console.log(
      `peak memory of export + restore: RSS ${pipelinePeakRssMB} MB, heap ${pipelinePeakHeapMB} MB (whole run RSS ${figures.peakRssMB} MB)`,
    );
    console.log(JSON.stringify(figures));
  } finally {
    clearInterval(sampler);
    rmSync(root, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
