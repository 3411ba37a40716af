/**
 * Worker body for passphrase-kdf.ts: derives one Argon2id key and exits.
 * Argon2id grows libsodium's WASM heap to its memory limit and the heap never
 * shrinks (~590 MB after MODERATE, TOOLCHAIN.md); in a short-lived worker that
 * memory goes away with the worker instead of staying in the vault's process.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { deriveKeyFromPassphrase, ParleyCryptoError } from '@parley/crypto-core';
import type { PassphraseKdfReply, PassphraseKdfRequest } from './passphrase-kdf.js';

async function derive(request: PassphraseKdfRequest): Promise<PassphraseKdfReply> {
  try {
    const key = await deriveKeyFromPassphrase(request.passphrase, request.salt, request.params);
    return { ok: true, key };
  } catch (error) {
    const code = ParleyCryptoError.is(error) ? error.code : 'INTERNAL';
    const message = error instanceof Error ? error.message : String(error);
    return { ok: false, code, message };
  }
}

parentPort?.postMessage(await derive(workerData as PassphraseKdfRequest));
