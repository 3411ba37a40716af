/**
 * Argon2id key derivation from a passphrase, in a worker thread that exits
 * afterwards (see passphrase-kdf-worker.ts for why). The passphrase and the
 * derived key cross the thread boundary by structured clone; nothing is
 * written anywhere.
 */
import { Worker } from 'node:worker_threads';
import { type Argon2idParams, type Bytes, type CryptoErrorCode, ParleyCryptoError } from '@parley/crypto-core';

export interface PassphraseKdfRequest {
  readonly passphrase: string;
  readonly salt: Uint8Array;
  readonly params: Argon2idParams;
}

export type PassphraseKdfReply =
  | { readonly ok: true; readonly key: Uint8Array }
  | { readonly ok: false; readonly code: string; readonly message: string };

/**
 * Run from the TypeScript sources (tests, the web shell under tsx), the worker
 * is a .ts file and needs tsx's loader, which Node 20 does not pass on to
 * worker threads; built, it is the emitted .js beside this module.
 */
function startWorker(request: PassphraseKdfRequest): Worker {
  const fromSource = import.meta.url.endsWith('.ts');
  const workerUrl = new URL(`./passphrase-kdf-worker.${fromSource ? 'ts' : 'js'}`, import.meta.url);
  if (!fromSource) return new Worker(workerUrl, { workerData: request });
  const bootstrap = `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(workerUrl.href)}); });`;
  return new Worker(bootstrap, { eval: true, workerData: request, execArgv: ['--conditions=source'] });
}

function isCryptoErrorCode(code: string): code is CryptoErrorCode {
  return ParleyCryptoError.is({ name: 'ParleyCryptoError', code });
}

/** The 32-byte Argon2id key for `passphrase`; errors are crypto-core's (BAD_PASSPHRASE, INVALID_ENCODING, INTERNAL). */
export function derivePassphraseKey(request: PassphraseKdfRequest): Promise<Bytes> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const worker = startWorker(request);
    worker.once('message', (reply: PassphraseKdfReply) => {
      settled = true;
      if (reply.ok) {
        const key = new Uint8Array(reply.key.byteLength);
        key.set(reply.key);
        resolve(key);
      } else {
        const code = isCryptoErrorCode(reply.code) ? reply.code : 'INTERNAL';
        reject(new ParleyCryptoError(code, reply.message, reply));
      }
    });
    worker.once('error', (error) => {
      if (settled) return;
      settled = true;
      reject(new ParleyCryptoError('INTERNAL', 'the key derivation worker failed', error));
    });
    worker.once('exit', (exitCode) => {
      if (settled) return;
      settled = true;
      reject(new ParleyCryptoError('INTERNAL', `the key derivation worker exited early (${exitCode})`, exitCode));
    });
  });
}
