import { seededRandom } from '@parley/test-support/fuzz';
import { describe, expect, it } from 'vitest';
import {
  CONTENT_PADDING_BUCKETS,
  decodeContent,
  encodeContent,
  type KnownContent,
  padContent,
} from '../src/content/index.js';
import { utf8 } from '../src/encoding.js';
import { CryptoErrorCode, ParleyCryptoError } from '../src/errors.js';

const random = seededRandom(0xc0_47e7);
const int = (max: number): number => Math.floor(random() * max);
function pick<T>(items: readonly T[]): T {
  const item = items[int(items.length)];
  if (item === undefined) throw new Error('empty');
  return item;
}

const ID = '018f2c1e-7a3b-7c4d-8e5f-0123456789ab';
const GROUP = '3b241101-e2bb-4255-8caf-4136c566a962';
const SEEDS: readonly KnownContent[] = [
  { type: 'text', id: ID, sentAt: 5, body: 'hello', groupId: GROUP, quotedMessageId: ID },
  { type: 'receipt', kind: 'read', messageIds: [ID, ID], sentAt: 5 },
  { type: 'typing', action: 'started', sentAt: 5, groupId: GROUP },
  {
    type: 'group',
    groupId: GROUP,
    kind: 'update',
    changes: [{ body: Uint8Array.of(0x7b, 0x7d), signature: new Uint8Array(64).fill(3) }],
    digest: { count: 1, sha256: new Uint8Array(32).fill(9) },
    have: [ID],
  },
  { type: 'sender-key', groupId: GROUP, senderKeyDistribution: Uint8Array.of(9) },
];
const SEED_JSON = SEEDS.map((content) => {
  const paddedBytes = encodeContent(content);
  const end = paddedBytes.lastIndexOf(0x80);
  return JSON.parse(new TextDecoder().decode(paddedBytes.subarray(0, end))) as Record<string, unknown>;
});

const ODD_VALUES: readonly unknown[] = [
  null,
  true,
  0,
  -1,
  1.5,
  2 ** 53,
  Number.MAX_VALUE,
  '',
  'x',
  ID,
  ID.toUpperCase(),
  GROUP,
  'AAAA',
  'AB==',
  '\ud800',
  '__proto__',
  'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
  [],
  [ID],
  [null],
  {},
  { v: 1 },
  'text',
  'group',
  'create',
  'leave',
  'read',
  'started',
];

function mutateJson(seed: Record<string, unknown>): unknown {
  const copy: Record<string, unknown> = { ...seed };
  const keys = [...Object.keys(copy), 'v', 'type', 'extra', 'action', 'kind', 'changes', 'digest', 'have', '__proto__'];
  for (let edits = 1 + int(3); edits > 0; edits--) {
    const key = pick(keys);
    if (random() < 0.2) delete copy[key];
    else copy[key] = random() < 0.3 ? int(4) : pick(ODD_VALUES);
  }
  return copy;
}

/** decodeContent either returns or throws INVALID_CONTENT, and nothing else. */
function decodeOrInvalid(input: Uint8Array): 'decoded' | 'invalid' {
  try {
    decodeContent(input);
    return 'decoded';
  } catch (error) {
    if (!ParleyCryptoError.is(error, CryptoErrorCode.InvalidContent)) {
      throw new Error(
        `decodeContent threw something other than INVALID_CONTENT for ${Array.from(input.subarray(0, 64))}`,
        {
          cause: error,
        },
      );
    }
    return 'invalid';
  }
}

describe('decodeContent fuzz (seeded)', () => {
  it('random bytes of bucket and other lengths only ever throw INVALID_CONTENT', () => {
    for (let i = 0; i < 4000; i++) {
      const length = random() < 0.7 ? pick(CONTENT_PADDING_BUCKETS.slice(0, 4)) : int(600);
      const input = new Uint8Array(length);
      for (let j = 0; j < length; j++) input[j] = int(256);
      // Often end in a valid padding tail, so parsing gets past the padding check.
      if (length > 0 && random() < 0.6) {
        const end = int(length);
        input[end] = 0x80;
        input.fill(0, end + 1);
      }
      expect(decodeOrInvalid(input)).toBe('invalid');
    }
  });

  it('bit flips, overwrites and truncations of valid encodings decode or throw INVALID_CONTENT', () => {
    const outcomes = { decoded: 0, invalid: 0 };
    for (let i = 0; i < 6000; i++) {
      const base = encodeContent(pick(SEEDS));
      const input = random() < 0.2 ? base.slice(0, int(base.byteLength + 1)) : base.slice();
      for (let edits = 1 + int(3); edits > 0 && input.byteLength > 0; edits--) {
        const at = int(input.byteLength);
        if (random() < 0.5) input[at] = (input[at] ?? 0) ^ (1 << int(8));
        else input[at] = pick([0x00, 0x22, 0x2c, 0x3a, 0x5c, 0x7b, 0x7d, 0x80, 0xff, int(256)]);
      }
      outcomes[decodeOrInvalid(input)]++;
    }
    expect(outcomes.invalid).toBeGreaterThan(0);
  });

  it('well-padded JSON with mutated fields decodes or throws INVALID_CONTENT', () => {
    const outcomes = { decoded: 0, invalid: 0 };
    for (let i = 0; i < 8000; i++) {
      const json = mutateJson(pick(SEED_JSON));
      outcomes[decodeOrInvalid(padContent(utf8(JSON.stringify(json))))]++;
    }
    // The mutations must reach both sides of the schema, or this fuzz tests nothing.
    expect(outcomes.decoded).toBeGreaterThan(100);
    expect(outcomes.invalid).toBeGreaterThan(100);
  });

  it('pathological JSON (deep nesting, huge numbers, long strings) throws INVALID_CONTENT', () => {
    const cases = [
      '['.repeat(60_000),
      `${'['.repeat(30_000)}${']'.repeat(30_000)}`,
      `${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}`,
      `{"v":1e400,"type":"text"}`,
      `{"v":1,"type":"${'a'.repeat(60_000)}"}`,
    ];
    for (const json of cases) expect(decodeOrInvalid(padContent(utf8(json)))).toBe('invalid');
    // Duplicate keys: the last one wins, as with ECMAScript's JSON.parse (documented).
    expect(decodeContent(padContent(utf8('{"v":1,"type":"text","v":3}')))).toMatchObject({
      type: 'unsupported',
      version: 3,
    });
  });
});
