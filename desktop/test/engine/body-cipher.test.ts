/** At-rest encryption of bodies and previews: AES-256-GCM, fresh IVs, bound to table, field and record id. */
import { describe, expect, it } from 'vitest';
import { BodyCipher } from '../../src/renderer/engine/body-cipher.js';
import { EngineError } from '../../src/renderer/engine/errors.js';
import { testCipher } from '../support/memory-database.js';

const scope = { table: 'messages', field: 'body', id: 'm1' } as const;

describe('BodyCipher', () => {
  it('round-trips text, with a fresh 96-bit IV each time and no plaintext in the record', async () => {
    const cipher = await testCipher();
    const text = 'Meet me at the café at 5 🙂';
    const first = await cipher.seal(scope, text);
    const second = await cipher.seal(scope, text);
    expect(first.iv).toHaveLength(12);
    expect(Buffer.from(first.iv).equals(Buffer.from(second.iv))).toBe(false);
    expect(Buffer.from(first.ct).equals(Buffer.from(second.ct))).toBe(false);
    expect(first.ct.byteLength).toBe(new TextEncoder().encode(text).byteLength + 16);
    expect(Buffer.from(first.ct).toString('utf8')).not.toContain('café');
    expect(await cipher.open(scope, first)).toBe(text);
  });

  it('refuses a ciphertext moved to another record, field or table, tampered with, or under another key', async () => {
    const cipher = await testCipher();
    const sealed = await cipher.seal(scope, 'secret');
    const otherKey = await testCipher();
    // Thunks, run one at a time: a rejection must never sit unobserved while
    // another attempt is awaited (Vitest reports that as an unhandled error).
    const refusals = [
      () => cipher.open({ ...scope, id: 'm2' }, sealed),
      () => cipher.open({ table: 'conversations', field: 'preview', id: 'm1' }, sealed),
      () => cipher.open(scope, { ...sealed, ct: Uint8Array.from(sealed.ct, (byte, i) => (i === 0 ? byte ^ 1 : byte)) }),
      () => otherKey.open(scope, sealed),
    ];
    for (const refusal of refusals) {
      const error = await refusal().then(
        () => null,
        (caught: unknown) => caught,
      );
      expect(EngineError.is(error, 'STORAGE')).toBe(true);
    }
  });

  it('takes only 32-byte keys', async () => {
    const error = await BodyCipher.fromRawKey(new Uint8Array(16)).then(
      () => null,
      (caught: unknown) => caught,
    );
    expect(EngineError.is(error, 'VAULT_FAILED')).toBe(true);
  });
});
