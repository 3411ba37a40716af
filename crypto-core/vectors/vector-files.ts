/**
 * Every conformance vector file, by name, computed from the real code. Kept
 * apart from the command (generate.ts) so a test can check that the
 * committed files are what the code produces now.
 */
import { existsSync, readFileSync } from 'node:fs';
import { accessKeyVectors } from './access-keys.js';
import { accountIdVectors } from './account-ids.js';
import { attachmentVectors } from './attachment.js';
import { authSignatureVectors } from './auth-signatures.js';
import { backupVectors } from './backup.js';
import { contactCodeVectors } from './contact-codes.js';
import { contentVectors } from './content.js';
import { groupChangeVectors } from './group-changes.js';
import { relayUrlVectors } from './relay-urls.js';
import { safetyNumberVectors } from './safety-numbers.js';
import { senderCertificateVectors } from './sender-certificates.js';
import { serviceIdVectors } from './service-ids.js';

/** docs/test-vectors/, where the files are committed. */
export const VECTOR_DIRECTORY = new URL('../../docs/test-vectors/', import.meta.url);

/** The committed file `name`, parsed, or undefined when there is none yet. */
export function committedVectors<T>(name: string): T | undefined {
  const url = new URL(name, VECTOR_DIRECTORY);
  return existsSync(url) ? (JSON.parse(readFileSync(url, 'utf8')) as T) : undefined;
}

/** The text a vector file is written as. */
export function vectorFileText(vectors: unknown): string {
  return `${JSON.stringify(vectors, null, 2)}\n`;
}

/**
 * Builds every file. Randomized values (XEdDSA signatures, the backup's
 * stream header) are taken from the committed files while they still verify.
 */
export async function buildVectorFiles(): Promise<Record<string, unknown>> {
  return {
    'account-ids.json': accountIdVectors(),
    'service-ids.json': serviceIdVectors(),
    'relay-urls.json': relayUrlVectors(),
    'contact-codes.json': contactCodeVectors(),
    'access-keys.json': accessKeyVectors(),
    'auth-signatures.json': authSignatureVectors(committedVectors('auth-signatures.json')),
    'content.json': contentVectors(),
    'group-changes.json': groupChangeVectors(committedVectors('group-changes.json')),
    'safety-numbers.json': safetyNumberVectors(),
    'sender-certificates.json': senderCertificateVectors(committedVectors('sender-certificates.json')),
    'backup.json': await backupVectors(committedVectors('backup.json')),
    'attachment.json': await attachmentVectors(),
  };
}
