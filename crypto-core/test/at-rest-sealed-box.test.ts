import { describe, expect, it } from 'vitest';
import {
  ARGON2ID_BOUNDS,
  ARGON2ID_INTERACTIVE,
  AT_REST_OVERHEAD,
  AT_REST_VERSION,
  deriveKeyFromPassphrase,
  generateKey,
  generateSalt,
  openAtRest,
  sealAtRest,
} from '../src/at-rest/index.js';
import { fromUtf8, toHex, utf8 } from '../src/encoding.js';
import { CryptoErrorCode, ParleyCryptoError } from '../src/errors.js';

async function codeOf(run: () => Promise<unknown>): Promise<string | undefined> {
  try {
    await run();
  } catch (error) {
    return ParleyCryptoError.is(error) ? error.code : `not typed: ${String(error)}`;
  }
  return undefined;
}

function fromHex(hex: string): Uint8Array {
  return Uint8Array.from(hex.match(/../g) ?? [], (pair) => Number.parseInt(pair, 16));
}

describe('sealAtRest / openAtRest', () => {
  it('round trips bytes, with string or byte associated data, including empty plaintext', async () => {
    const key = await generateKey();
    expect(key.byteLength).toBe(32);
    for (const plaintext of [new Uint8Array(0), utf8('identity private key'), new Uint8Array(100_000).fill(9)]) {
      const sealed = await sealAtRest(key, plaintext, 'vault:identity');
      expect(sealed.byteLength).toBe(plaintext.byteLength + AT_REST_OVERHEAD);
      expect(sealed[0]).toBe(AT_REST_VERSION);
      expect([...(await openAtRest(key, sealed, 'vault:identity'))]).toEqual([...plaintext]);
      const adBytes = Uint8Array.of(1, 2, 3);
      const sealedWithBytes = await sealAtRest(key, plaintext, adBytes);
      expect((await openAtRest(key, sealedWithBytes, adBytes)).byteLength).toBe(plaintext.byteLength);
    }
  });

  it('uses a fresh random nonce each time', async () => {
    const key = await generateKey();
    const a = await sealAtRest(key, utf8('same'), 'ad');
    const b = await sealAtRest(key, utf8('same'), 'ad');
    expect(toHex(a.subarray(1, 25))).not.toBe(toHex(b.subarray(1, 25)));
    expect(toHex(a)).not.toBe(toHex(b));
  });

  it('rejects a wrong key, wrong associated data and any tampered byte with INVALID_MESSAGE', async () => {
    const key = await generateKey();
    const sealed = await sealAtRest(key, utf8('message body'), 'msg:conv-1:m-1');
    expect(await codeOf(async () => openAtRest(await generateKey(), sealed, 'msg:conv-1:m-1'))).toBe(
      CryptoErrorCode.InvalidMessage,
    );
    expect(await codeOf(() => openAtRest(key, sealed, 'msg:conv-1:m-2'))).toBe(CryptoErrorCode.InvalidMessage);
    expect(await codeOf(() => openAtRest(key, sealed, ''))).toBe(CryptoErrorCode.InvalidMessage);
    for (let index = 0; index < sealed.byteLength; index++) {
      const tampered = sealed.slice();
      tampered[index] = (tampered[index] ?? 0) ^ 0x01;
      expect(await codeOf(() => openAtRest(key, tampered, 'msg:conv-1:m-1'))).toBe(CryptoErrorCode.InvalidMessage);
    }
    expect(await codeOf(() => openAtRest(key, sealed.subarray(0, sealed.byteLength - 1), 'msg:conv-1:m-1'))).toBe(
      CryptoErrorCode.InvalidMessage,
    );
    expect(await codeOf(() => openAtRest(key, sealed.subarray(0, AT_REST_OVERHEAD - 1), 'x'))).toBe(
      CryptoErrorCode.InvalidMessage,
    );
  });

  it('treats keys of the wrong size as a caller error (INVALID_ENCODING)', async () => {
    expect(await codeOf(() => sealAtRest(new Uint8Array(16), utf8('x'), 'ad'))).toBe(CryptoErrorCode.InvalidEncoding);
    expect(await codeOf(() => openAtRest(new Uint8Array(33), new Uint8Array(60), 'ad'))).toBe(
      CryptoErrorCode.InvalidEncoding,
    );
  });

  it('opens the documented test vector (a second implementation must too)', async () => {
    const key = Uint8Array.from({ length: 32 }, (_, i) => i);
    const sealed = fromHex(
      '01106c024ce9c0c15b837de85fa951429c636e44ac59cc330bb5815fece347dc89794d029cce0f3e4fba61aec79522e2792a91913e680720fb8479eb0fbd83d2c44da9',
    );
    expect(fromUtf8(await openAtRest(key, sealed, 'vault:identity'))).toBe('Parley at-rest test vector');
  });
});

describe('deriveKeyFromPassphrase (Argon2id)', () => {
  it('is deterministic for passphrase, salt and parameters, and differs when any changes', async () => {
    const salt = await generateSalt();
    expect(salt.byteLength).toBe(16);
    const a = await deriveKeyFromPassphrase('correct horse', salt, ARGON2ID_INTERACTIVE);
    const b = await deriveKeyFromPassphrase('correct horse', salt, ARGON2ID_INTERACTIVE);
    expect(a.byteLength).toBe(32);
    expect(toHex(a)).toBe(toHex(b));
    const otherPassphrase = await deriveKeyFromPassphrase('correct horsf', salt, ARGON2ID_INTERACTIVE);
    const otherSalt = await deriveKeyFromPassphrase('correct horse', await generateSalt(), ARGON2ID_INTERACTIVE);
    const otherOps = await deriveKeyFromPassphrase('correct horse', salt, { ...ARGON2ID_INTERACTIVE, opsLimit: 3 });
    for (const other of [otherPassphrase, otherSalt, otherOps]) expect(toHex(other)).not.toBe(toHex(a));
    // The derived key works as an at-rest key.
    const sealed = await sealAtRest(a, utf8('vault'), 'v');
    expect(fromUtf8(await openAtRest(b, sealed, 'v'))).toBe('vault');
  });

  it('normalises passphrase text to NFC (é typed composed or decomposed derives one key)', async () => {
    const salt = new Uint8Array(16);
    const composed = await deriveKeyFromPassphrase('caf\u00e9', salt, ARGON2ID_INTERACTIVE);
    const decomposed = await deriveKeyFromPassphrase('cafe\u0301', salt, ARGON2ID_INTERACTIVE);
    expect(toHex(decomposed)).toBe(toHex(composed));
  });

  it('refuses out-of-bounds parameters, bad salts and empty passphrases before any work', async () => {
    const salt = new Uint8Array(16);
    const tooWeak = { opsLimit: 1, memLimit: ARGON2ID_INTERACTIVE.memLimit };
    const tooLittleMemory = { opsLimit: 2, memLimit: 8 * 1024 * 1024 };
    const tooMuchMemory = { opsLimit: 2, memLimit: ARGON2ID_BOUNDS.maxMemLimit + 1024 };
    const tooManyPasses = { opsLimit: ARGON2ID_BOUNDS.maxOpsLimit + 1, memLimit: ARGON2ID_INTERACTIVE.memLimit };
    const notKiB = { opsLimit: 2, memLimit: ARGON2ID_INTERACTIVE.memLimit + 1 };
    for (const params of [tooWeak, tooLittleMemory, tooMuchMemory, tooManyPasses, notKiB]) {
      expect(await codeOf(() => deriveKeyFromPassphrase('pw', salt, params))).toBe(CryptoErrorCode.InvalidEncoding);
    }
    expect(await codeOf(() => deriveKeyFromPassphrase('pw', new Uint8Array(8), ARGON2ID_INTERACTIVE))).toBe(
      CryptoErrorCode.InvalidEncoding,
    );
    expect(await codeOf(() => deriveKeyFromPassphrase('', salt, ARGON2ID_INTERACTIVE))).toBe(
      CryptoErrorCode.BadPassphrase,
    );
  });
});
