import { describe, expect, it } from 'vitest';
import { fromBase64 } from '../src/encoding.js';
import { generateIdentity } from '../src/signal/identity.js';
import { generateKyberPreKeys, generateOneTimePreKeys } from '../src/signal/prekeys.js';
import { isUsableCurvePublicKey, isUsableKyberPublicKey } from '../src/signal/public-keys.js';

const P = 2n ** 255n - 19n;

/** 0x05 then the little-endian 32 bytes of `u` (which may be >= p, as an encoding may be). */
function curveKey(u: bigint, topBit = false): Uint8Array {
  const key = new Uint8Array(33);
  key[0] = 0x05;
  let rest = u;
  for (let index = 1; index <= 32; index++) {
    key[index] = Number(rest & 0xffn);
    rest >>= 8n;
  }
  if (topBit) key[32] = (key[32] ?? 0) | 0x80;
  return key;
}

describe('usable public keys', () => {
  it('accepts the Curve25519 and Kyber keys libsignal makes', () => {
    for (const key of generateOneTimePreKeys(1, 20).keys) {
      expect(isUsableCurvePublicKey(fromBase64(key.wire.publicKey))).toBe(true);
    }
    for (const key of generateKyberPreKeys(generateIdentity(), 1, 3).keys) {
      expect(isUsableKyberPublicKey(fromBase64(key.wire.publicKey))).toBe(true);
    }
  });

  it('refuses a Curve25519 key of another type or length', () => {
    const key = fromBase64(generateOneTimePreKeys(1, 1).keys[0]?.wire.publicKey ?? '');
    expect(isUsableCurvePublicKey(Uint8Array.of(0x00, ...key.subarray(1)))).toBe(false);
    expect(isUsableCurvePublicKey(key.subarray(0, 32))).toBe(false);
  });

  it('refuses every small-order Curve25519 point, however it is encoded', () => {
    const smallOrder = [
      0n,
      1n,
      P - 1n,
      325606250916557431795983626356110631294008115727848805560023387167927233504n,
      39382357235489614581723060781553021112529911719440698176882885853963445705823n,
    ];
    for (const u of smallOrder) {
      expect(isUsableCurvePublicKey(curveKey(u)), `u = ${u}`).toBe(false);
      expect(isUsableCurvePublicKey(curveKey(u, true)), `u = ${u}, top bit set`).toBe(false);
    }
    // p and p + 1 are non-canonical spellings of 0 and 1.
    expect(isUsableCurvePublicKey(curveKey(P))).toBe(false);
    expect(isUsableCurvePublicKey(curveKey(P + 1n))).toBe(false);
    expect(isUsableCurvePublicKey(curveKey(9n))).toBe(true);
  });

  it('refuses a Kyber key with a coefficient of q or more, or of another type', () => {
    const good = fromBase64(generateKyberPreKeys(generateIdentity(), 1, 1).keys[0]?.wire.publicKey ?? '');
    const lastCoefficientHigh = good.slice();
    // Bytes 1534..1536 hold the last two coefficients of the last polynomial: set the second to 0xfff.
    lastCoefficientHigh[1536] = 0xff;
    lastCoefficientHigh[1535] = (lastCoefficientHigh[1535] ?? 0) | 0xf0;
    expect(isUsableKyberPublicKey(lastCoefficientHigh)).toBe(false);
    const firstIsQ = good.slice();
    firstIsQ[1] = 3329 & 0xff;
    firstIsQ[2] = ((firstIsQ[2] ?? 0) & 0xf0) | (3329 >> 8);
    expect(isUsableKyberPublicKey(firstIsQ)).toBe(false);
    const firstIsQMinusOne = good.slice();
    firstIsQMinusOne[1] = 3328 & 0xff;
    firstIsQMinusOne[2] = ((firstIsQMinusOne[2] ?? 0) & 0xf0) | (3328 >> 8);
    expect(isUsableKyberPublicKey(firstIsQMinusOne)).toBe(true);
    expect(isUsableKyberPublicKey(Uint8Array.of(0x07, ...good.subarray(1)))).toBe(false);
    expect(isUsableKyberPublicKey(good.subarray(0, 1000))).toBe(false);
  });
});
