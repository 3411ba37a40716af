/**
 * Signed group changes (docs/protocol.md §10, Signed changes).
 *
 *   signed change = { body, signature }
 *   body          = UTF-8 JSON of the change (group-change-schema.ts)
 *   signature     = XEdDSA( author identity key, "Parley group change v1" || 0x00 || body )
 *
 * This module builds body bytes and checks signed changes; it never signs.
 * Whoever holds the identity key signs (the desktop vault, through
 * `signGroupChange` in the Node entry), and signature verification is passed
 * in (`SignatureCheck`: libsignal's XEdDSA verify, `verifyIdentitySignature`),
 * so the module stays browser-safe and free of native code.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import type { z } from 'zod';
import { accountIdFromIdentityKey } from '../address/account-id.js';
import type { SignedGroupChange } from '../content/types.js';
import { type Bytes, concatBytes, fromBase64, fromUtf8, utf8 } from '../encoding.js';
import { CryptoErrorCode, invalidInput, ParleyCryptoError } from '../errors.js';
import { checkWire } from '../wire/parse.js';
import { type GroupChangeBody, groupChangeBodySchema } from './change-schema.js';
import { groupIdFor } from './group-id.js';
import { MAX_GROUP_CHANGE_BODY_BYTES } from './limits.js';

export type { SignedGroupChange } from '../content/types.js';

/** What is signed: this prefix, then the body bytes. */
export const GROUP_CHANGE_SIGNING_PREFIX: Bytes = concatBytes(utf8('Parley group change v1'), new Uint8Array([0]));

/**
 * True when `signature` is the identity key's XEdDSA signature over
 * `message` (libsignal PublicKey.verify; `verifyIdentitySignature` in the
 * Node entry). Must return false, never throw, for anything malformed.
 */
export type SignatureCheck = (identityKey: Uint8Array, message: Uint8Array, signature: Uint8Array) => boolean;

declare const verified: unique symbol;

/**
 * A change whose body parsed, whose author key matches its author and whose
 * signature verified. Only `verifyGroupChange` makes one, so a set or a fold
 * never sees anything else.
 */
export interface VerifiedGroupChange {
  readonly [verified]: true;
  /** The parsed body: id, group, clock, author, action and its fields. */
  readonly body: GroupChangeBody;
  /** The exact bytes received, to store and forward. */
  readonly signed: SignedGroupChange;
  /** SHA-256 of the body bytes (the set digest covers it). */
  readonly bodyHash: Bytes;
}

/** The bytes the author's identity key signs for `body`. */
export function groupChangeSigningInput(body: Uint8Array): Bytes {
  return concatBytes(GROUP_CHANGE_SIGNING_PREFIX, body);
}

function refusedBySchema(error: unknown, message: string): ParleyCryptoError {
  const issues = (error as Partial<z.ZodError> | undefined)?.issues ?? [];
  // Only "too big" everywhere is a limit; anything else is a malformed change.
  const code =
    issues.length > 0 && issues.every((issue) => issue.code === 'too_big')
      ? CryptoErrorCode.GroupLimit
      : CryptoErrorCode.InvalidGroupChange;
  return new ParleyCryptoError(code, message, error);
}

/** The rules a body's schema cannot express: the author key is the author's, a create founds its group id. */
function checkCommitments(body: GroupChangeBody): void {
  const authorKey = fromBase64(body.authorKey);
  let keyOwner: string;
  try {
    keyOwner = accountIdFromIdentityKey(authorKey);
  } catch (error) {
    throw new ParleyCryptoError(CryptoErrorCode.InvalidGroupChange, 'authorKey is not an identity key', error);
  }
  if (keyOwner !== body.author) {
    throw invalidInput(CryptoErrorCode.AccountIdMismatch, 'the group change authorKey does not belong to its author', {
      author: body.author,
      id: body.id,
    });
  }
  if (body.action === 'create' && groupIdFor(authorKey, body.id) !== body.groupId) {
    throw invalidInput(CryptoErrorCode.InvalidGroupChange, 'the group id does not commit to this create', {
      groupId: body.groupId,
      id: body.id,
    });
  }
}

function checkBody(value: unknown): GroupChangeBody {
  const checked = checkWire(groupChangeBodySchema, value);
  if (!checked.ok) throw refusedBySchema(checked.cause, `invalid group change${checked.where}: ${checked.message}`);
  checkCommitments(checked.value);
  return checked.value;
}

function checkBodySize(length: number): void {
  if (length > MAX_GROUP_CHANGE_BODY_BYTES) {
    throw invalidInput(
      CryptoErrorCode.GroupLimit,
      `a group change body is ${length} bytes; at most ${MAX_GROUP_CHANGE_BODY_BYTES}`,
      { length },
    );
  }
}

/**
 * The body bytes of a change: validated (INVALID_GROUP_CHANGE, GROUP_LIMIT,
 * ACCOUNT_ID_MISMATCH) and written as compact JSON with keys in the schema's
 * order, so every writer of this build produces the same bytes.
 */
export function encodeGroupChangeBody(body: GroupChangeBody): Bytes {
  return checkedGroupChangeBody(body).bytes;
}

/** `encodeGroupChangeBody`, with the body as a receiver will parse it. */
export function checkedGroupChangeBody(body: GroupChangeBody): {
  readonly body: GroupChangeBody;
  readonly bytes: Bytes;
} {
  const checked = checkBody(body);
  const encoded = utf8(JSON.stringify(checked));
  checkBodySize(encoded.byteLength);
  return { body: checked, bytes: encoded };
}

/** The parsed body of received bytes, checked like `encodeGroupChangeBody` checks what it writes. */
export function parseGroupChangeBody(body: Uint8Array): GroupChangeBody {
  if (!(body instanceof Uint8Array)) throw invalidInput(CryptoErrorCode.InvalidGroupChange, 'body must be bytes');
  checkBodySize(body.byteLength);
  let json: unknown;
  try {
    json = JSON.parse(fromUtf8(body));
  } catch (error) {
    throw new ParleyCryptoError(CryptoErrorCode.InvalidGroupChange, 'a group change body is not UTF-8 JSON', error);
  }
  return checkBody(json);
}

/**
 * Checks a signed change before anything acts on it: the body parses, its
 * author key belongs to its author (ACCOUNT_ID_MISMATCH), a create's group id
 * commits to it, and the signature verifies under the author key
 * (INVALID_SIGNATURE). Membership and rights are the fold's business.
 */
export function verifyGroupChange(signed: SignedGroupChange, checkSignature: SignatureCheck): VerifiedGroupChange {
  if (signed === null || typeof signed !== 'object' || !(signed.signature instanceof Uint8Array)) {
    throw invalidInput(CryptoErrorCode.InvalidGroupChange, 'a signed group change is { body, signature } bytes');
  }
  const body = parseGroupChangeBody(signed.body);
  if (!checkSignature(fromBase64(body.authorKey), groupChangeSigningInput(signed.body), signed.signature)) {
    throw invalidInput(CryptoErrorCode.InvalidSignature, 'the group change signature does not verify', {
      id: body.id,
      author: body.author,
    });
  }
  const copy = { body: Uint8Array.from(signed.body), signature: Uint8Array.from(signed.signature) };
  return { body, signed: copy, bodyHash: sha256(copy.body) as Bytes } as VerifiedGroupChange;
}
