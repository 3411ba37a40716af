/**
 * What must never leave the vault, collected the way an attacker holding the
 * vault key would: unwrap the key with the keychain, copy the (locked, so
 * checkpointed) database, open every row with the vault's own row format, and
 * take the private keys out of the libsignal records. Plus a scanner that
 * finds any 8-byte window of those secrets in bytes, base64 or hex.
 */
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Bytes, KyberPreKeyEntry } from '@parley/crypto-core';
import { IdentityKeyPair, KyberPreKeyRecord, PreKeyRecord, SignedPreKeyRecord } from '@signalapp/libsignal-client';
import Database from 'better-sqlite3';
import { type LocalAccountRecord, RECORD_KINDS_BY_NAME, RecordKinds } from '../../../src/vault/record-kinds.js';
import { RowSealer } from '../../../src/vault/sealed-rows.js';
import { parseLogicalKey } from '../../../src/vault/staged-records.js';
import { deriveVaultSubkeys } from '../../../src/vault/vault-subkeys.js';
import type { MemoryKeychain } from './memory-keychain.js';

export interface DecodedRecord {
  readonly kind: string;
  readonly parts: readonly string[];
  readonly value: unknown;
}

export interface VaultSecrets {
  readonly vaultKey: Uint8Array;
  /** The vault key as the key file stores it. */
  readonly wrappedVaultKey: Uint8Array;
  /** Identity, signed, one-time and Kyber private keys. */
  readonly privateKeys: readonly Uint8Array[];
  /** Public counterparts (a private-key window that also occurs in a public key is not evidence). */
  readonly publicKeys: readonly Uint8Array[];
  readonly records: readonly DecodedRecord[];
}

/** Reads a locked vault's records with its vault key. */
export async function readVaultRecords(profileDir: string, vaultKey: Uint8Array): Promise<DecodedRecord[]> {
  const scratch = mkdtempSync(join(tmpdir(), 'parley-vault-copy-'));
  try {
    const copy = join(scratch, 'vault.sqlite');
    copyFileSync(join(profileDir, 'vault.sqlite'), copy);
    const db = new Database(copy, { readonly: true });
    const rows = db.prepare('SELECT id, sealed FROM vault_rows').all() as Array<{ id: Buffer; sealed: Buffer }>;
    db.close();
    const sealer = new RowSealer(deriveVaultSubkeys(vaultKey));
    const records: DecodedRecord[] = [];
    for (const row of rows) {
      const opened = await sealer.open(row.id, row.sealed);
      const { kindName, parts } = parseLogicalKey(opened.logicalKey);
      const kind = RECORD_KINDS_BY_NAME.get(kindName);
      if (kind === undefined) throw new Error(`unknown kind ${kindName}`);
      records.push({ kind: kindName, parts, value: kind.decode(opened.payload) });
    }
    return records;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

export async function collectVaultSecrets(profileDir: string, keychain: MemoryKeychain): Promise<VaultSecrets> {
  const keyFile = JSON.parse(readFileSync(join(profileDir, 'vault-key.json'), 'utf8')) as { wrappedKey: string };
  const wrappedVaultKey = Buffer.from(keyFile.wrappedKey, 'base64');
  const vaultKey = await keychain.decrypt(wrappedVaultKey);
  const records = await readVaultRecords(profileDir, vaultKey);
  const privateKeys: Uint8Array[] = [];
  const publicKeys: Uint8Array[] = [];
  for (const record of records) {
    if (record.kind === RecordKinds.localAccount.name) {
      const pair = IdentityKeyPair.deserialize((record.value as LocalAccountRecord).identityKeyPair);
      privateKeys.push(pair.privateKey.serialize());
      publicKeys.push(pair.publicKey.serialize());
    } else if (record.kind === RecordKinds.preKey.name) {
      const key = PreKeyRecord.deserialize(record.value as Bytes);
      privateKeys.push(key.privateKey().serialize());
      publicKeys.push(key.publicKey().serialize());
    } else if (record.kind === RecordKinds.signedPreKey.name) {
      const key = SignedPreKeyRecord.deserialize(record.value as Bytes);
      privateKeys.push(key.privateKey().serialize());
      publicKeys.push(key.publicKey().serialize());
    } else if (record.kind === RecordKinds.kyberPreKey.name) {
      const key = KyberPreKeyRecord.deserialize((record.value as KyberPreKeyEntry).record);
      privateKeys.push(key.secretKey().serialize());
      publicKeys.push(key.publicKey().serialize());
    }
  }
  return { vaultKey, wrappedVaultKey, privateKeys, publicKeys, records };
}

const WINDOW = 8;

/** An 8-byte window as a number: 53 of its 64 bits (a rare false match could only fail a test, never hide a leak). */
function windowAt(data: Buffer, offset: number): number {
  return data.readUInt32BE(offset) * 0x200000 + (data.readUInt32BE(offset + 4) >>> 11);
}

function windowsOf(data: Uint8Array): number[] {
  const buffer = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const out: number[] = [];
  for (let i = 0; i + WINDOW <= buffer.byteLength; i++) out.push(windowAt(buffer, i));
  return out;
}

/** Every 8-byte window of some secrets, minus windows that also occur in public data. */
export class SecretWindows {
  readonly #windows = new Set<number>();

  constructor(secrets: readonly Uint8Array[], publicData: readonly Uint8Array[] = []) {
    for (const secret of secrets) for (const window of windowsOf(secret)) this.#windows.add(window);
    // ML-KEM secret keys embed their public key; those windows prove nothing.
    for (const data of publicData) for (const window of windowsOf(data)) this.#windows.delete(window);
  }

  get size(): number {
    return this.#windows.size;
  }

  /** True when `data` contains any secret window verbatim. */
  foundIn(data: Uint8Array): boolean {
    const buffer = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    for (let i = 0; i + WINDOW <= buffer.byteLength; i++) {
      if (this.#windows.has(windowAt(buffer, i))) return true;
    }
    return false;
  }

  /** True when a string holds a secret window as raw text, base64 or hex. */
  foundInText(text: string): boolean {
    if (this.foundIn(Buffer.from(text, 'utf8'))) return true;
    for (const token of text.match(/[A-Za-z0-9+/]{12,}={0,2}/g) ?? []) {
      for (let shift = 0; shift < 4 && shift < token.length; shift++) {
        // Base64 of a secret inside a longer value may start at any of 4 alignments.
        const aligned = token.slice(shift, shift + Math.floor((token.length - shift) / 4) * 4);
        if (this.foundIn(Buffer.from(aligned, 'base64'))) return true;
      }
    }
    for (const token of text.match(/[0-9a-fA-F]{16,}/g) ?? []) {
      for (const shift of [0, 1]) {
        const even = token.slice(shift, shift + Math.floor((token.length - shift) / 2) * 2);
        if (this.foundIn(Buffer.from(even, 'hex'))) return true;
      }
    }
    return false;
  }
}

/** Every string inside a JSON value (keys included). */
export function stringsIn(value: unknown): string[] {
  const out: string[] = [];
  const visit = (node: unknown): void => {
    if (typeof node === 'string') out.push(node);
    else if (Array.isArray(node)) node.forEach(visit);
    else if (node !== null && typeof node === 'object') {
      for (const [key, child] of Object.entries(node)) {
        out.push(key);
        visit(child);
      }
    }
  };
  visit(value);
  return out;
}
