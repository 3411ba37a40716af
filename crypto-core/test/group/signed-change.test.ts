import { sha256 } from '@noble/hashes/sha2.js';
import { describe, expect, it } from 'vitest';
import { accountIdFromIdentityKey } from '../../src/address/account-id.js';
import { concatBytes, fromBase64, fromUtf8, toBase64, utf8 } from '../../src/encoding.js';
import { type CryptoErrorCode, ParleyCryptoError } from '../../src/errors.js';
import { GroupChangeSet } from '../../src/group/change-set.js';
import { groupIdFor } from '../../src/group/group-id.js';
import { MAX_GROUP_CHANGE_BODY_BYTES, MAX_GROUP_NAME_LENGTH } from '../../src/group/limits.js';
import {
  encodeGroupChangeBody,
  GROUP_CHANGE_SIGNING_PREFIX,
  groupChangeSigningInput,
  parseGroupChangeBody,
  verifyGroupChange,
} from '../../src/group/signed-change.js';
import { signGroupChange } from '../../src/signal/group-change-signing.js';
import { signWithIdentity, verifyIdentitySignature } from '../../src/signal/signatures.js';
import { type Member, members } from './group-kit.js';

function expectCode(run: () => unknown, code: CryptoErrorCode): void {
  try {
    run();
  } catch (error) {
    expect(ParleyCryptoError.is(error, code), `expected ${code}, got ${String(error)}`).toBe(true);
    return;
  }
  throw new Error(`expected ${code}, but nothing was thrown`);
}

const [alice, bob] = members(2) as [Member, Member];
const create = alice.create([bob]);
const groupId = create.body.groupId;

/** Body JSON written by hand (what a buggy or hostile client could send), signed by `signer`. */
function handSigned(json: Record<string, unknown>, signer: Member = alice) {
  const body = utf8(JSON.stringify(json));
  return { body, signature: signWithIdentity(signer.identity, groupChangeSigningInput(body)) };
}

/** A rename by alice, with `overrides` (an undefined one removes its key). */
function renameJson(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const json: Record<string, unknown> = {
    v: 1,
    groupId,
    id: crypto.randomUUID(),
    clock: 2,
    author: alice.id,
    authorKey: toBase64(alice.identity.identityKey),
    sentAt: 5,
    action: 'rename',
    name: 'Crag',
    ...overrides,
  };
  for (const [key, value] of Object.entries(json)) if (value === undefined) delete json[key];
  return json;
}

describe('signed group changes', () => {
  it('sign "Parley group change v1" 0x00 || body, and verify under the author key', () => {
    expect(fromUtf8(GROUP_CHANGE_SIGNING_PREFIX)).toBe('Parley group change v1\0');
    const signed = create.signed;
    expect(
      verifyIdentitySignature(
        alice.identity.identityKey,
        concatBytes(GROUP_CHANGE_SIGNING_PREFIX, signed.body),
        signed.signature,
      ),
    ).toBe(true);
    expect(verifyIdentitySignature(alice.identity.identityKey, signed.body, signed.signature)).toBe(false);
    expect(create.body).toMatchObject({ v: 1, action: 'create', clock: 1, author: alice.id, name: 'Climbing' });
  });

  it('write the body as compact JSON with keys in the documented order', () => {
    const text = fromUtf8(create.signed.body);
    expect(Object.keys(JSON.parse(text))).toEqual([
      'v',
      'groupId',
      'id',
      'clock',
      'author',
      'authorKey',
      'sentAt',
      'action',
      'name',
      'profile',
      'members',
    ]);
    expect(text).not.toMatch(/\s/);
  });

  it('derive the group id from the creator key and the create id (a version 8 UUID)', () => {
    expect(groupId).toBe(groupIdFor(alice.identity.identityKey, create.body.id));
    expect(groupId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const digest = sha256(concatBytes(utf8('Parley group id v1\0'), alice.identity.identityKey, utf8(create.body.id)));
    expect(groupId.replace(/-/g, '').slice(0, 12)).toBe(Buffer.from(digest.subarray(0, 6)).toString('hex'));
    expect(groupIdFor(bob.identity.identityKey, create.body.id)).not.toBe(groupId);
  });

  it('refuse a forged or altered signature (INVALID_SIGNATURE)', () => {
    const signature = Uint8Array.from(create.signed.signature);
    signature[10] = (signature[10] ?? 0) ^ 1;
    expectCode(() => verifyGroupChange({ ...create.signed, signature }, verifyIdentitySignature), 'INVALID_SIGNATURE');
    const byBob = handSigned(renameJson(), bob);
    expectCode(() => verifyGroupChange(byBob, verifyIdentitySignature), 'INVALID_SIGNATURE');
    const body = utf8(fromUtf8(create.signed.body).replace('"Climbing"', '"Climbinh"'));
    expectCode(
      () => verifyGroupChange({ body, signature: create.signed.signature }, verifyIdentitySignature),
      'INVALID_SIGNATURE',
    );
  });

  it("refuse an author key that is not the author's (ACCOUNT_ID_MISMATCH), even when it signed", () => {
    const change = handSigned(renameJson({ authorKey: toBase64(bob.identity.identityKey) }), bob);
    expectCode(() => verifyGroupChange(change, verifyIdentitySignature), 'ACCOUNT_ID_MISMATCH');
  });

  it('refuse a create whose group id does not commit to it: nobody can found a second history of a group', () => {
    const forged = bob.forge(groupId, 1, { action: 'create', name: 'Mine', profile: bob.profile(), members: [] });
    expect(forged.body.groupId).not.toBe(groupId);
    const claimed = handSigned({ ...JSON.parse(fromUtf8(forged.signed.body)), groupId }, bob);
    expectCode(() => verifyGroupChange(claimed, verifyIdentitySignature), 'INVALID_GROUP_CHANGE');
    const again = handSigned({ ...JSON.parse(fromUtf8(create.signed.body)), id: crypto.randomUUID() }, alice);
    expectCode(() => verifyGroupChange(again, verifyIdentitySignature), 'INVALID_GROUP_CHANGE');
  });

  it('refuse malformed bodies (INVALID_GROUP_CHANGE)', () => {
    const refused: Record<string, unknown>[] = [
      renameJson({ v: 2 }),
      renameJson({ action: 'archive' }),
      renameJson({ extra: 1 }),
      renameJson({ clock: 0 }),
      renameJson({ clock: 1.5 }),
      renameJson({ id: 'not-a-uuid' }),
      renameJson({ name: '' }),
      renameJson({ name: '\ud800' }),
      renameJson({ action: 'remove', name: undefined, members: [alice.id, alice.id] }),
      renameJson({
        action: 'invite',
        name: undefined,
        members: [{ ...bob.ref(), identityKey: toBase64(alice.identity.identityKey) }],
      }),
      renameJson({ action: 'set-avatar', name: undefined, avatar: { contentType: 'image/svg+xml', data: 'AAAA' } }),
      renameJson({ action: 'invite', name: undefined, members: [] }),
    ];
    for (const json of refused) {
      expectCode(() => verifyGroupChange(handSigned(json), verifyIdentitySignature), 'INVALID_GROUP_CHANGE');
    }
    for (const text of ['not json', '[1]', '{"v":1}']) {
      const signed = {
        body: utf8(text),
        signature: signWithIdentity(alice.identity, groupChangeSigningInput(utf8(text))),
      };
      expectCode(() => verifyGroupChange(signed, verifyIdentitySignature), 'INVALID_GROUP_CHANGE');
    }
    expectCode(() => parseGroupChangeBody(Uint8Array.of(0xff, 0xfe)), 'INVALID_GROUP_CHANGE');
  });

  it('refuse what passes a limit with GROUP_LIMIT, whether making it or receiving it', () => {
    const long = 'n'.repeat(MAX_GROUP_NAME_LENGTH + 1);
    expectCode(() => encodeGroupChangeBody(renameJson({ name: long }) as never), 'GROUP_LIMIT');
    expectCode(() => verifyGroupChange(handSigned(renameJson({ name: long })), verifyIdentitySignature), 'GROUP_LIMIT');
    expect(
      parseGroupChangeBody(utf8(JSON.stringify(renameJson({ name: 'n'.repeat(MAX_GROUP_NAME_LENGTH) })))),
    ).toMatchObject({
      name: 'n'.repeat(64),
    });
    const avatar = (bytes: number) => ({ contentType: 'image/png', data: toBase64(new Uint8Array(bytes)) });
    const withAvatar = (bytes: number) => renameJson({ action: 'set-avatar', name: undefined, avatar: avatar(bytes) });
    expect(encodeGroupChangeBody(withAvatar(32 * 1024) as never).byteLength).toBeLessThanOrEqual(
      MAX_GROUP_CHANGE_BODY_BYTES,
    );
    expectCode(() => encodeGroupChangeBody(withAvatar(32 * 1024 + 1) as never), 'GROUP_LIMIT');
    const oversize = utf8(JSON.stringify(renameJson({ name: 'x' })).padEnd(MAX_GROUP_CHANGE_BODY_BYTES + 1, ' '));
    expectCode(() => parseGroupChangeBody(oversize), 'GROUP_LIMIT');
  });

  it('are signed only by the key they name', () => {
    expect(signGroupChange(alice.identity, create.signed.body).signature.byteLength).toBe(64);
    expectCode(() => signGroupChange(bob.identity, create.signed.body), 'ACCOUNT_ID_MISMATCH');
    expectCode(() => signGroupChange(alice.identity, utf8('{}')), 'INVALID_GROUP_CHANGE');
    expect(accountIdFromIdentityKey(fromBase64(create.body.authorKey))).toBe(alice.id);
  });
});

describe('the change set', () => {
  it('holds each change once, refuses the same id with other bytes and changes of another group', () => {
    const set = new GroupChangeSet(groupId, [create]);
    expect(set.add(create)).toBe(false);
    const resigned = alice.sign(create.signed.body);
    expect(set.add(resigned)).toBe(false);
    const rename = alice.forge(groupId, 2, { action: 'rename', name: 'Crag' });
    const twin = alice.forge(groupId, 2, { action: 'rename', name: 'Boulder' }, rename.body.id);
    expect(set.add(rename)).toBe(true);
    expectCode(() => set.add(twin), 'GROUP_CHANGE_CONFLICT');
    const other = alice.create([]);
    expectCode(() => set.add(other), 'INVALID_GROUP_CHANGE');
    expect(set.size).toBe(2);
  });

  it('merges what verifies and reports the rest, one by one', () => {
    const set = new GroupChangeSet(groupId, [create]);
    const rename = alice.forge(groupId, 2, { action: 'rename', name: 'Crag' });
    const bad = { ...rename.signed, signature: new Uint8Array(64) };
    const result = set.merge([bad, rename.signed, create.signed], verifyIdentitySignature);
    expect(result.added.map((change) => change.body.id)).toEqual([rename.body.id]);
    expect(result.refused.map(({ index, error }) => [index, error.code])).toEqual([[0, 'INVALID_SIGNATURE']]);
  });

  it('digests count and SHA-256 over ids and body hashes, in any order of arrival', () => {
    const rename = alice.forge(groupId, 2, { action: 'rename', name: 'Crag' });
    const a = new GroupChangeSet(groupId, [create, rename]);
    const b = new GroupChangeSet(groupId, [rename, create]);
    expect(a.matches(b.digest())).toBe(true);
    const [first, second] = [create, rename].sort((x, y) => (x.body.id < y.body.id ? -1 : 1));
    const expected = sha256(
      concatBytes(
        utf8('Parley group set v1\0'),
        ...[first, second].flatMap((change) => [
          utf8(change?.body.id ?? ''),
          sha256(change?.signed.body ?? new Uint8Array()),
        ]),
      ),
    );
    expect(a.digest()).toEqual({ count: 2, sha256: expected });
    const twin = alice.forge(groupId, 2, { action: 'rename', name: 'Boulder' }, rename.body.id);
    const c = new GroupChangeSet(groupId, [create, twin]);
    expect(c.ids()).toEqual(a.ids());
    expect(c.matches(a.digest())).toBe(false);
    expect(new GroupChangeSet(groupId, [create]).matches(a.digest())).toBe(false);
  });

  it('tells which changes someone lacks', () => {
    const rename = alice.forge(groupId, 2, { action: 'rename', name: 'Crag' });
    const set = new GroupChangeSet(groupId, [rename, create]);
    expect(set.lackedBy([create.body.id]).map((change) => change.body.id)).toEqual([rename.body.id]);
    expect(set.lackedBy(undefined).map((change) => change.body.id)).toEqual([create.body.id, rename.body.id]);
    expect(set.lackedBy(set.ids())).toEqual([]);
  });
});
