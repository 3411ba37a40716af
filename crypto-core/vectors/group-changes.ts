/**
 * Group changes (docs/protocol.md §10): one group's signed changes, as they
 * arrived at a member, the fold of their set (every change's fate, the state,
 * the next clock, the digest), and the signed changes a receiver refuses.
 * XEdDSA signatures are randomized: one already in the committed file is kept
 * while it still verifies over the same body, so regenerating changes nothing.
 */
import type { AccountId } from '../src/address/account-id.js';
import { fromBase64, fromUtf8, toBase64, toHex, utf8 } from '../src/encoding.js';
import type { GroupAction, GroupChangeBody } from '../src/group/change-schema.js';
import { GroupChangeSet } from '../src/group/change-set.js';
import { foldGroup } from '../src/group/fold.js';
import { groupIdFor } from '../src/group/group-id.js';
import {
  encodeGroupChangeBody,
  GROUP_CHANGE_SIGNING_PREFIX,
  groupChangeSigningInput,
  verifyGroupChange,
} from '../src/group/signed-change.js';
import { signWithIdentity, verifyIdentitySignature } from '../src/signal/signatures.js';
import { ALICE, BOB, CAROL, DAVE, ERIN, MALLORY } from './identities.js';
import { refusal } from './refusal.js';
import type { FixedIdentity, GroupChangeVectors, SignedGroupChangeVector } from './types.js';

const RELAY = 'https://relay.example.org';
const SENT_AT = 1_767_225_600_000;
const CREATE_ID = '7c9e6679-7425-40de-944b-e07fc1f90ae7';
const GROUP_ID = groupIdFor(fromHex33(ALICE.publicKeyHex), CREATE_ID);

function fromHex33(hex: string): Uint8Array {
  return Uint8Array.from(Buffer.from(hex, 'hex'));
}

/** The fixed identity's account id, typed (the vector files hold it as text). */
function idOf(identity: FixedIdentity): AccountId {
  return identity.accountId as AccountId;
}

function changeId(n: number): string {
  return `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
}

function accessKey(identity: FixedIdentity): string {
  return toBase64(fromHex33(identity.publicKeyHex).subarray(1, 17));
}

function ref(identity: FixedIdentity, withKey = true) {
  return {
    accountId: idOf(identity),
    ...(withKey ? { identityKey: toBase64(fromHex33(identity.publicKeyHex)) } : {}),
    relayUrl: RELAY,
    accessKey: accessKey(identity),
  };
}

function profile(identity: FixedIdentity, name?: string) {
  return { relayUrl: RELAY, accessKey: accessKey(identity), ...(name === undefined ? {} : { name }) };
}

function body(author: FixedIdentity, n: number, clock: number, action: GroupAction, id = changeId(n)): GroupChangeBody {
  return {
    ...action,
    v: 1,
    groupId: GROUP_ID,
    id,
    clock,
    author: idOf(author),
    authorKey: toBase64(fromHex33(author.publicKeyHex)),
    sentAt: SENT_AT + n * 1000,
  } as GroupChangeBody;
}

const PNG = toBase64(Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a));

/** The scenario, in the order the changes reached one member: name, signer, body. */
const SCENARIO: readonly (readonly [string, FixedIdentity, GroupChangeBody])[] = [
  [
    'alice creates the group and invites bob (with his key) and carol (without)',
    ALICE,
    body(
      ALICE,
      0,
      1,
      {
        action: 'create',
        name: 'Climbing',
        description: 'Tuesdays and Thursdays',
        profile: profile(ALICE, 'Alice'),
        members: [ref(BOB), ref(CAROL, false)],
      },
      CREATE_ID,
    ),
  ],
  ['carol accepts', CAROL, body(CAROL, 2, 2, { action: 'accept', profile: profile(CAROL, 'Carol') })],
  ['bob accepts, at the same clock', BOB, body(BOB, 3, 2, { action: 'accept', profile: profile(BOB) })],
  [
    'mallory, never a member, renames at clock 1: it sorts before the create',
    MALLORY,
    body(MALLORY, 1, 1, { action: 'rename', name: 'First!' }),
  ],
  ['alice promotes bob', ALICE, body(ALICE, 4, 3, { action: 'promote', members: [idOf(BOB)] })],
  ['bob renames, concurrently with alice', BOB, body(BOB, 5, 4, { action: 'rename', name: 'Crag' })],
  [
    'alice renames at the same clock: bob sorts after her, so his name stays',
    ALICE,
    body(ALICE, 6, 4, { action: 'rename', name: 'Bouldering' }),
  ],
  [
    'carol describes, concurrently with her removal',
    CAROL,
    body(CAROL, 7, 5, { action: 'describe', description: 'Mondays' }),
  ],
  [
    'bob removes carol at the same clock: bob sorts first',
    BOB,
    body(BOB, 8, 5, { action: 'remove', members: [idOf(CAROL)] }),
  ],
  ['alice invites dave and erin', ALICE, body(ALICE, 9, 5, { action: 'invite', members: [ref(DAVE), ref(ERIN)] })],
  ['dave accepts', DAVE, body(DAVE, 10, 6, { action: 'accept', profile: profile(DAVE, 'Dave') })],
  ['erin declines', ERIN, body(ERIN, 11, 6, { action: 'decline' })],
  ['carol, removed, renames', CAROL, body(CAROL, 12, 7, { action: 'rename', name: 'Carol was here' })],
  [
    'mallory sets an avatar',
    MALLORY,
    body(MALLORY, 13, 7, { action: 'set-avatar', avatar: { contentType: 'image/png', data: PNG } }),
  ],
  [
    'dave sets an avatar',
    DAVE,
    body(DAVE, 14, 7, { action: 'set-avatar', avatar: { contentType: 'image/png', data: PNG } }),
  ],
  ['bob updates his profile', BOB, body(BOB, 15, 8, { action: 'update-profile', profile: profile(BOB, 'Bob') })],
  [
    'bob leaves, after alice in the fold (same clock): no admin is left, and dave, who joined first, becomes one',
    BOB,
    body(BOB, 16, 9, { action: 'leave' }),
  ],
  ['alice leaves', ALICE, body(ALICE, 17, 9, { action: 'leave' })],
  [
    'dave runs the clock 1025 ahead of the highest applied (10)',
    DAVE,
    body(DAVE, 18, 10 + 1025, { action: 'rename', name: 'Far ahead' }),
  ],
  ['dave clears the description', DAVE, body(DAVE, 19, 10, { action: 'describe', description: '' })],
];

function identityRecord(identity: FixedIdentity) {
  return { identityKeyPair: fromBase64(identity.identityKeyPairBase64), registrationId: 1 };
}

/** A signature by `signer` over `text`: the committed one while it still verifies, else a fresh one. */
function signed(
  previous: readonly SignedGroupChangeVector[],
  signer: FixedIdentity,
  text: string,
): SignedGroupChangeVector {
  const input = groupChangeSigningInput(utf8(text));
  const kept = previous.find(
    (old) =>
      old.body === text &&
      verifyIdentitySignature(fromHex33(signer.publicKeyHex), input, fromBase64(old.signatureBase64)),
  );
  return {
    body: text,
    signatureBase64: kept?.signatureBase64 ?? toBase64(signWithIdentity(identityRecord(signer), input)),
  };
}

function toSigned(vector: SignedGroupChangeVector) {
  return { body: utf8(vector.body), signature: fromBase64(vector.signatureBase64) };
}

function flipped(vector: SignedGroupChangeVector): SignedGroupChangeVector {
  const signature = fromBase64(vector.signatureBase64);
  signature[5] = (signature[5] ?? 0) ^ 0x01;
  return { body: vector.body, signatureBase64: toBase64(signature) };
}

export function groupChangeVectors(previous: GroupChangeVectors | undefined): GroupChangeVectors {
  const old: SignedGroupChangeVector[] = [
    ...(previous?.changes ?? []),
    ...(previous?.refused ?? []).map((entry) => entry.input),
    ...(previous?.conflicts ?? []).map((entry) => entry.input),
  ];
  const changes = SCENARIO.map(([name, signer, change]) => ({
    name,
    id: change.id,
    ...signed(old, signer, fromUtf8(encodeGroupChangeBody(change))),
  }));
  const set = new GroupChangeSet(
    GROUP_ID,
    changes.map((change) => verifyGroupChange(toSigned(change), verifyIdentitySignature)),
  );
  const fold = foldGroup(set);
  const rename = JSON.parse((changes[5] as SignedGroupChangeVector).body) as Record<string, unknown>;
  const json = (value: Record<string, unknown>) => JSON.stringify(value);
  const refusedInputs: readonly (readonly [SignedGroupChangeVector, string])[] = [
    [flipped(signed(old, BOB, json(rename))), 'one bit of the signature flipped'],
    [signed(old, MALLORY, json({ ...rename, id: changeId(40) })), "signed by mallory's key, naming bob and bob's key"],
    [
      signed(old, MALLORY, json({ ...rename, id: changeId(41), authorKey: toBase64(fromHex33(MALLORY.publicKeyHex)) })),
      "bob named as author, with mallory's key (which signed)",
    ],
    [
      signed(
        old,
        MALLORY,
        json(body(MALLORY, 42, 1, { action: 'create', name: 'Mine', profile: profile(MALLORY), members: [] })),
      ),
      'a create for this group by someone else: the group id does not commit to it',
    ],
    [
      signed(old, BOB, json({ ...rename, id: changeId(43), name: 'n'.repeat(65) })),
      'a name of 65 characters (the limit is 64)',
    ],
    [signed(old, BOB, json({ ...rename, id: changeId(44), v: 2 })), 'change format version 2'],
    [signed(old, BOB, json({ ...rename, id: changeId(45), action: 'archive' })), 'an action version 1 does not have'],
    [signed(old, BOB, json({ ...rename, id: changeId(46), note: 'x' })), 'a key the rename does not have'],
    [
      signed(
        old,
        BOB,
        json({
          ...rename,
          id: changeId(47),
          action: 'invite',
          name: undefined,
          members: [{ ...ref(DAVE), identityKey: toBase64(fromHex33(ERIN.publicKeyHex)) }],
        }),
      ),
      "an invitation giving erin's key for dave's account id",
    ],
    [
      signed(
        old,
        BOB,
        json({
          ...rename,
          id: changeId(48),
          action: 'remove',
          name: undefined,
          members: [idOf(CAROL), idOf(CAROL)],
        }),
      ),
      'a member listed twice',
    ],
    [signed(old, BOB, `${json(rename).slice(0, -1)}`), 'not JSON (the closing brace is missing)'],
  ];
  const conflict = signed(old, BOB, json({ ...rename, name: 'Crag!' }));
  return {
    description:
      'Signed group changes: body = UTF-8 JSON, signature = XEdDSA by the author identity key over "Parley group change v1" 0x00 || body. `changes` all verify; folding their set gives `fold` whatever order they are taken in. `refused` are refused on receipt; `conflicts` reuse the id of a change in `changes` with other bytes. Signatures are randomized: check verification, not equality.',
    backs: ['docs/protocol.md §10 Groups'],
    signingPrefixHex: toHex(GROUP_CHANGE_SIGNING_PREFIX),
    identities: [ALICE, BOB, CAROL, DAVE, ERIN, MALLORY],
    groupId: { creator: ALICE.accountId, createId: CREATE_ID, groupId: GROUP_ID },
    changes,
    fold: {
      outcomes: fold.outcomes.map(({ id, applied, reason, fallbackAdmin }) => ({ id, applied, reason, fallbackAdmin })),
      state: fold.state as unknown as Record<string, unknown>,
      nextClock: fold.nextClock,
      digest: { count: fold.digest.count, sha256Base64: fold.digest.sha256 },
    },
    refused: refusedInputs.map(([input, reason]) =>
      refusal(input, reason, (candidate) => verifyGroupChange(toSigned(candidate), verifyIdentitySignature)),
    ),
    conflicts: [
      refusal(conflict, "bob's rename's id, with another name", (candidate) =>
        new GroupChangeSet(GROUP_ID, set.sorted()).add(verifyGroupChange(toSigned(candidate), verifyIdentitySignature)),
      ),
    ],
  };
}
