/**
 * Is a serialized public key one a peer could use? libsignal's deserializers
 * check the type byte and the length only, so two checks are added here:
 *
 * - Curve25519 (type 0x05): the u-coordinate must not be of small order
 *   (0, 1, p-1 and the two points of order 8, also when encoded as u+p or
 *   with the unused top bit set). Diffie-Hellman with such a point gives a
 *   result that does not depend on the secret key: the same list libsodium
 *   refuses in crypto_scalarmult.
 * - ML-KEM-1024 (Kyber, type 0x08): the modulus check of FIPS 203 §7.2, every
 *   12-bit coefficient of the encapsulation key below q = 3329.
 *
 * The relay checks uploaded prekeys with these, so it never stores a key a
 * peer could not use. Runs in plain JS but for libsignal's deserializers.
 */
import { KEMPublicKey, PublicKey } from '@signalapp/libsignal-client';
import { bytes } from '../encoding.js';

const P = 2n ** 255n - 19n;
/** u-coordinates (mod p) of the Curve25519 points whose order divides 8. */
const SMALL_ORDER_U: ReadonlySet<bigint> = new Set([
  0n,
  1n,
  P - 1n,
  325606250916557431795983626356110631294008115727848805560023387167927233504n,
  39382357235489614581723060781553021112529911719440698176882885853963445705823n,
]);

const ML_KEM_Q = 3329;
/** ML-KEM-1024: k = 4 polynomials of 256 12-bit coefficients, then the 32-byte seed rho. */
const ML_KEM_1024_POLY_BYTES = 4 * 384;

function deserializes(parse: () => unknown): boolean {
  try {
    parse();
    return true;
  } catch {
    return false;
  }
}

/** The 32 key bytes as the little-endian integer X25519 reads, reduced mod p (top bit ignored, as RFC 7748 says). */
function uCoordinate(key: Uint8Array): bigint {
  let value = 0n;
  for (let index = 31; index >= 0; index--) {
    const byte = index === 31 ? (key[index] ?? 0) & 0x7f : (key[index] ?? 0);
    value = (value << 8n) | BigInt(byte);
  }
  return value % P;
}

/** True for a serialized (33-byte, type 0x05) Curve25519 public key that is not of small order. */
export function isUsableCurvePublicKey(serialized: Uint8Array): boolean {
  if (!deserializes(() => PublicKey.deserialize(bytes(serialized)))) return false;
  return !SMALL_ORDER_U.has(uCoordinate(serialized.subarray(1)));
}

/** True for a serialized Kyber (ML-KEM-1024) public key whose coefficients are all below q. */
export function isUsableKyberPublicKey(serialized: Uint8Array): boolean {
  if (!deserializes(() => KEMPublicKey.deserialize(bytes(serialized)))) return false;
  const polys = serialized.subarray(1, 1 + ML_KEM_1024_POLY_BYTES);
  if (polys.length !== ML_KEM_1024_POLY_BYTES) return false;
  for (let index = 0; index < polys.length; index += 3) {
    const b0 = polys[index] ?? 0;
    const b1 = polys[index + 1] ?? 0;
    const b2 = polys[index + 2] ?? 0;
    if ((b0 | ((b1 & 0x0f) << 8)) >= ML_KEM_Q || ((b1 >> 4) | (b2 << 4)) >= ML_KEM_Q) return false;
  }
  return true;
}
