import { envelopeIdSchema } from '@parley/crypto-core/wire';
import { expect, it } from 'vitest';
import { newEnvelopeId } from '../../src/envelope-ids.js';

it('makes unique UUIDv7 ids that carry their millisecond and sort by time', () => {
  const now = Date.UTC(2026, 10, 28, 12, 0, 0, 123);
  const ids = Array.from({ length: 5000 }, () => newEnvelopeId(now));
  expect(new Set(ids).size).toBe(ids.length);
  for (const id of ids.slice(0, 50)) {
    expect(envelopeIdSchema.safeParse(id).success).toBe(true);
    expect(id[14]).toBe('7');
    expect(['8', '9', 'a', 'b']).toContain(id[19]);
    expect(Number.parseInt(id.replace(/-/g, '').slice(0, 12), 16)).toBe(now);
  }
  expect(newEnvelopeId(now) < newEnvelopeId(now + 1)).toBe(true);
});
