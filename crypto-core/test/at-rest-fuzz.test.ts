import { seededRandom } from '@parley/test-support/fuzz';
import { describe, expect, it } from 'vitest';
import { AT_REST_OVERHEAD, generateKey, openAtRest, sealAtRest } from '../src/at-rest/index.js';
import { CryptoErrorCode, ParleyCryptoError } from '../src/errors.js';

describe('openAtRest fuzz (seeded)', () => {
  it('random and mutated sealed values only ever throw INVALID_MESSAGE', async () => {
    const random = seededRandom(0xa7_2e57);
    const int = (max: number): number => Math.floor(random() * max);
    const key = await generateKey();
    const valid = await Promise.all(
      [0, 1, 40, 300].map((length) => sealAtRest(key, new Uint8Array(length).fill(7), 'fuzz-ad')),
    );
    let opened = 0;
    for (let i = 0; i < 20_000; i++) {
      let input: Uint8Array;
      const mode = int(4);
      if (mode === 0) {
        input = Uint8Array.from({ length: int(AT_REST_OVERHEAD * 3) }, () => int(256));
        if (random() < 0.5 && input.byteLength > 0) input[0] = 0x01;
      } else {
        const base = valid[int(valid.length)] ?? new Uint8Array(0);
        input = mode === 1 ? base.slice(0, int(base.byteLength + 1)) : base.slice();
        for (let edits = mode === 3 ? 0 : 1 + int(3); edits > 0 && input.byteLength > 0; edits--) {
          const at = int(input.byteLength);
          input[at] = (input[at] ?? 0) ^ (1 << int(8));
        }
      }
      try {
        await openAtRest(key, input, 'fuzz-ad');
        opened++;
      } catch (error) {
        if (!ParleyCryptoError.is(error, CryptoErrorCode.InvalidMessage)) {
          throw new Error(`openAtRest threw something other than INVALID_MESSAGE (iteration ${i})`, { cause: error });
        }
      }
    }
    // Only untouched valid values (mode 3, and full-length "truncations") may open.
    expect(opened).toBeGreaterThan(0);
  });
});
