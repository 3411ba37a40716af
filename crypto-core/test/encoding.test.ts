/**
 * The one base64/base64url/hex/base32/UTF-8 module, on both of its paths: Node's
 * native Buffer codec and the atob/btoa path browsers take (this file
 * re-imports the module with `Buffer` hidden to run the second). Decoders
 * must accept exactly the canonical text and nothing else, like the wire
 * schemas.
 */
import { afterAll, describe, expect, it, vi } from 'vitest';
import * as nodeEncoding from '../src/encoding.js';
import { CryptoErrorCode, ParleyCryptoError } from '../src/errors.js';

async function browserEncoding(): Promise<typeof nodeEncoding> {
  vi.stubGlobal('Buffer', undefined);
  vi.resetModules();
  try {
    return await import('../src/encoding.js');
  } finally {
    vi.unstubAllGlobals();
  }
}
const browser = await browserEncoding();
afterAll(() => vi.resetModules());

const samples: readonly Uint8Array[] = [
  new Uint8Array(0),
  new Uint8Array([0]),
  new Uint8Array([255, 254]),
  new Uint8Array([1, 2, 3]),
  Uint8Array.from({ length: 100_000 }, (_, i) => (i * 31 + 7) & 0xff),
];

/** The RFC 4648 §10 test vectors ("f", "fo", ...). */
const RFC_VECTORS: readonly [string, string, string, string][] = [
  ['', '', '', ''],
  ['f', 'Zg==', 'Zg', '66'],
  ['fo', 'Zm8=', 'Zm8', '666f'],
  ['foo', 'Zm9v', 'Zm9v', '666f6f'],
  ['foob', 'Zm9vYg==', 'Zm9vYg', '666f6f62'],
  ['fooba', 'Zm9vYmE=', 'Zm9vYmE', '666f6f6261'],
  ['foobar', 'Zm9vYmFy', 'Zm9vYmFy', '666f6f626172'],
];

function expectInvalid(decode: () => unknown): void {
  let thrown: unknown;
  try {
    decode();
  } catch (error) {
    thrown = error;
  }
  expect(ParleyCryptoError.is(thrown, CryptoErrorCode.InvalidEncoding)).toBe(true);
}

describe.each([
  ['node', nodeEncoding],
  ['browser', browser],
])('encoding (%s path)', (_, encoding) => {
  it('matches the RFC 4648 vectors in every encoding', () => {
    for (const [plain, base64, base64url, hex] of RFC_VECTORS) {
      const data = encoding.utf8(plain);
      expect(encoding.toBase64(data)).toBe(base64);
      expect(encoding.toBase64Url(data)).toBe(base64url);
      expect(encoding.toHex(data)).toBe(hex);
      expect(encoding.fromUtf8(encoding.fromBase64(base64))).toBe(plain);
      expect(encoding.fromUtf8(encoding.fromBase64Url(base64url))).toBe(plain);
      expect(encoding.fromUtf8(encoding.fromHex(hex))).toBe(plain);
    }
  });

  it('round-trips bytes, including empty and 100 KB, into plain ArrayBuffer-backed arrays', () => {
    for (const data of samples) {
      for (const [encode, decode] of [
        [encoding.toBase64, encoding.fromBase64],
        [encoding.toBase64Url, encoding.fromBase64Url],
        [encoding.toHex, encoding.fromHex],
      ] as const) {
        const decoded = decode(encode(data));
        expect(decoded.buffer).toBeInstanceOf(ArrayBuffer);
        expect(decoded.byteOffset).toBe(0);
        expect(decoded.byteLength).toBe(data.byteLength);
        expect(encoding.equalBytes(decoded, data)).toBe(true);
      }
    }
  });

  it('encodes exactly the viewed bytes of a subarray', () => {
    const whole = new Uint8Array([9, 102, 111, 111, 9]);
    const middle = whole.subarray(1, 4);
    expect(encoding.toBase64(middle)).toBe('Zm9v');
    expect(encoding.toBase64Url(middle)).toBe('Zm9v');
    expect(encoding.toHex(middle)).toBe('666f6f');
  });

  it('base64url uses - and _ where base64 has + and /', () => {
    const data = new Uint8Array([0xfb, 0xff, 0xbf]);
    expect(encoding.toBase64(data)).toBe('+/+/');
    expect(encoding.toBase64Url(data)).toBe('-_-_');
    expect([...encoding.fromBase64Url('-_-_')]).toEqual([0xfb, 0xff, 0xbf]);
  });

  it('base64 refuses invalid characters, whitespace and the url alphabet', () => {
    for (const text of ['Zm9v!A==', 'Zm9 v', ' Zm9v', 'Zm9v\n', 'Zm9vYg=\n', '-_-_', 'Zm9vYmF\u00e9']) {
      expectInvalid(() => encoding.fromBase64(text));
    }
  });

  it('base64 requires exact padding', () => {
    for (const text of ['Zg', 'Zg=', 'Zg===', 'Zm8', 'Zm8==', '=', '====', 'Zm9v====', 'Z===', 'Zg==Zm9v']) {
      expectInvalid(() => encoding.fromBase64(text));
    }
  });

  it('base64 and base64url refuse non-zero trailing bits (a second text for the same bytes)', () => {
    // "Zh==" and "Zm9=" decode like "Zg==" and "Zm8=" under a lenient decoder.
    for (const text of ['Zh==', 'Zm9=', 'AB==', 'AAB=']) expectInvalid(() => encoding.fromBase64(text));
    for (const text of ['Zh', 'Zm9', 'AB', 'AAB']) expectInvalid(() => encoding.fromBase64Url(text));
    expect([...encoding.fromBase64('AA==')]).toEqual([0]);
    expect([...encoding.fromBase64Url('AA')]).toEqual([0]);
  });

  it('base64url refuses padding, the standard alphabet and impossible lengths', () => {
    for (const text of ['Zg==', 'Zm8=', '+/+/', 'Z', 'Zm9vY', 'Zm 9v', 'Zm9v.']) {
      expectInvalid(() => encoding.fromBase64Url(text));
    }
  });

  it('hex accepts lowercase whole bytes only', () => {
    for (const text of ['0', 'abc', 'AB', '0g', ' 00', '00 ', '0x00']) expectInvalid(() => encoding.fromHex(text));
    expect([...encoding.fromHex('00ff7f')]).toEqual([0, 255, 127]);
  });

  it('base32 matches RFC 4648 (lowercase, unpadded) and round-trips every length', () => {
    const rfc: readonly [string, string][] = [
      ['', ''],
      ['f', 'my'],
      ['fo', 'mzxq'],
      ['foo', 'mzxw6'],
      ['foob', 'mzxw6yq'],
      ['fooba', 'mzxw6ytb'],
      ['foobar', 'mzxw6ytboi'],
    ];
    for (const [plain, base32] of rfc) {
      expect(encoding.toBase32(encoding.utf8(plain))).toBe(base32);
      expect(encoding.fromUtf8(encoding.fromBase32(base32))).toBe(plain);
    }
    for (let length = 0; length <= 41; length++) {
      const data = Uint8Array.from({ length }, (_, i) => (i * 97 + length) & 0xff);
      const decoded = encoding.fromBase32(encoding.toBase32(data));
      expect(decoded.buffer).toBeInstanceOf(ArrayBuffer);
      expect(encoding.equalBytes(decoded, data)).toBe(true);
    }
  });

  it('base32 refuses upper case, padding, other characters, impossible lengths and set spare bits', () => {
    // "mz" decodes like "my" under a lenient decoder; lengths 1, 3 and 6 (mod 8) hold no whole bytes.
    for (const text of ['MY', 'my======', 'm1', 'm8', 'my ', 'm', 'mzx', 'mzxw6y', 'mz', 'mzxr', 'mzxw7']) {
      expectInvalid(() => encoding.fromBase32(text));
    }
  });

  it('UTF-8 decoding refuses invalid sequences instead of substituting U+FFFD', () => {
    expect(encoding.fromUtf8(encoding.utf8('héllo 👋'))).toBe('héllo 👋');
    expect(encoding.fromUtf8(new Uint8Array(0))).toBe('');
    for (const bad of [[0xff], [0xc3], [0xed, 0xa0, 0x80]]) expectInvalid(() => encoding.fromUtf8(new Uint8Array(bad)));
  });
});

describe('the two paths agree', () => {
  it('the browser module really uses atob/btoa and the Node one does not', () => {
    const btoa = vi.spyOn(globalThis, 'btoa');
    const atob = vi.spyOn(globalThis, 'atob');
    try {
      nodeEncoding.fromBase64(nodeEncoding.toBase64(new Uint8Array([1, 2])));
      expect(btoa).not.toHaveBeenCalled();
      expect(atob).not.toHaveBeenCalled();
      browser.fromBase64(browser.toBase64(new Uint8Array([1, 2])));
      expect(btoa).toHaveBeenCalledOnce();
      expect(atob).toHaveBeenCalledOnce();
    } finally {
      btoa.mockRestore();
      atob.mockRestore();
    }
  });

  it('encode the same bytes to the same text', () => {
    const data = Uint8Array.from({ length: 4099 }, (_, i) => (i * 131) & 0xff);
    expect(browser.toBase64(data)).toBe(nodeEncoding.toBase64(data));
    expect(browser.toBase64Url(data)).toBe(nodeEncoding.toBase64Url(data));
    expect(browser.toHex(data)).toBe(nodeEncoding.toHex(data));
  });
});
