/**
 * Child process for the kill -9 test: a vault exporting an endless history
 * into argv[2] (its backup folder). Prints "writing <records>" after each
 * batch; the parent kills it with SIGKILL mid-export.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ARGON2ID_INTERACTIVE } from '@parley/crypto-core';
import type { HistoryRecord } from '@parley/crypto-core/backup-records';
import { Vault } from '../../../src/vault/index.js';
import { MemoryKeychain } from '../../vault/support/memory-keychain.js';

const backupDir = process.argv[2];
const passphrase = process.argv[3];
if (backupDir === undefined || passphrase === undefined) throw new Error('usage: export-child.ts DIR PASSPHRASE');
const vault = new Vault({
  profileDir: join(mkdtempSync(join(tmpdir(), 'parley-export-child-')), 'profile'),
  keyProtection: 'os-keychain',
  keychain: new MemoryKeychain(),
  backupDir,
  backupKdf: ARGON2ID_INTERACTIVE,
});
const account = await vault.createIdentity({});
const { exportId } = await vault.backupExportBegin({
  passphrase,
  includeIdentity: true,
  fileName: 'killed.parleybackup',
});
for (let batch = 0; ; batch++) {
  const records: HistoryRecord[] = Array.from({ length: 500 }, (_, index) => ({
    type: 'message',
    id: `${batch}-${index}`,
    conversationId: 'direct:x',
    kind: 'text',
    direction: 'outgoing',
    senderAccountId: account.accountId,
    sentAt: batch * 1000 + index,
    receivedAt: null,
    sortKey: `${batch}-${index}`,
    state: 'sent',
    envelopeId: null,
    serverTimestamp: null,
    body: `message ${batch}/${index} `.repeat(8),
  }));
  const { records: written } = await vault.backupExportWrite({ exportId, records });
  process.stdout.write(`writing ${written}\n`);
}
