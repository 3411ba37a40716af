/**
 * Worker body for passphrase-kdf.ts: derives one Argon2id key and exits.
 * Argon2id grows libsodium's WASM heap to its memory limit and the heap never
 * shrinks (~590 MB after MODERATE, TOOLCHAIN.md); in a short-lived worker that
 * memory goes away with the worker instead of staying in the vault's process.
 *
 * It imports crypto-core's passphrase-key and errors entry points only, not
 * the package root: every unlock starts this worker afresh, and the root
 * would load libsignal's native module and (from the sources, under tsx)
 * compile all of crypto-core first, about a second on a busy 2-core machine
 * (vault README, "What an unlock costs").
 */
import { parentPort, workerData } from 'node:worker_threads';
import { ParleyCryptoError } from '@parley/crypto-core/errors';
import { deriveKeyFromPassphrase } from '@parley/crypto-core/passphrase-key';
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
