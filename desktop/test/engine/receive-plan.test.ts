/** How each decrypt outcome is handled: store, apply, hold, drop (acked) or retry (not acked). */
import type { AccountId, Envelope } from '@parley/crypto-core/wire';
import { describe, expect, it } from 'vitest';
import type { ApiError } from '../../src/common/result.js';
import type { DecryptOutcome, IncomingContent } from '../../src/common/vault-api.js';
import { MAX_SENDER_CLOCK_AHEAD_MS, messageSortKey } from '../../src/renderer/engine/conversation-ids.js';
import { planReceive } from '../../src/renderer/engine/receive-plan.js';

const ALICE = 'a'.repeat(32) as AccountId;
const MALLORY = 'q'.repeat(32) as AccountId;
const OWN = 'z'.repeat(32) as AccountId;
const MESSAGE_ID = '11111111-1111-4111-8111-111111111111';
const NOW = 1_800_000_000_000;

let counter = 0;
function envelope(overrides: Partial<Envelope> = {}): Envelope {
  counter++;
  return {
    id: `00000000-0000-7000-8000-${String(counter).padStart(12, '0')}`,
    type: 'message',
    source: { accountId: ALICE, deviceId: 1 },
    destinationDeviceId: 1,
    content: 'AAAA',
    serverTimestamp: NOW,
    ...overrides,
  };
}

function ok(env: Envelope, content: IncomingContent | null, sender: AccountId = ALICE): DecryptOutcome {
  return {
    ok: true,
    value: { envelopeId: env.id, sender: { accountId: sender, deviceId: 1 }, sealed: false, content },
  };
}

function failed(env: Envelope, code: string): DecryptOutcome {
  // Codes beyond today's catalogue are part of what is tested: the error is built as the wire would carry it.
  const error = JSON.parse(JSON.stringify({ code, message: code })) as ApiError;
  return { ok: false, envelopeId: env.id, error };
}

const context = { knownAccounts: new Set<string>([ALICE]), ownAccountId: OWN, sealedSenderReady: true };

describe('planReceive', () => {
  it('takes a profile’s contact key for its sender, stores no message, and commits it; an ephemeral one is dropped', () => {
    const key = 'AQIDBAUGBwgJCgsMDQ4PEA==';
    const stored = envelope();
    const ephemeral = envelope({ ephemeral: true });
    const plan = planReceive(
      [stored, ephemeral],
      [
        ok(stored, { type: 'profile', accessKey: key, name: 'Alice' }),
        ok(ephemeral, { type: 'profile', accessKey: key }, MALLORY),
      ],
      context,
    );
    expect(plan.profiles).toEqual([{ senderAccountId: ALICE, accessKey: key, name: 'Alice', avatar: null }]);
    expect(plan.messages).toEqual([]);
    expect(plan.commitIds).toEqual([stored.id]);
    expect(plan.dropped).toEqual([{ envelopeId: ephemeral.id, reason: 'ephemeral profile' }]);
  });

  it('acks and drops everything a blocked account sends, with no session repair for it', () => {
    const blocked = { ...context, blockedAccounts: new Set<string>([MALLORY]) };
    const text = envelope({ source: { accountId: MALLORY, deviceId: 1 } });
    const receipt = envelope();
    const typing = envelope({ ephemeral: true });
    const broken = envelope();
    const plan = planReceive(
      [text, receipt, typing, broken],
      [
        ok(text, { type: 'text', id: MESSAGE_ID, sentAt: NOW, body: 'hi' }, MALLORY),
        ok(receipt, { type: 'receipt', kind: 'read', messageIds: [MESSAGE_ID], sentAt: NOW }, MALLORY),
        ok(typing, { type: 'typing', action: 'started', sentAt: NOW }, MALLORY),
        {
          ...(failed(broken, 'NO_SESSION') as Extract<DecryptOutcome, { ok: false }>),
          sender: { accountId: MALLORY, deviceId: 1 },
        },
      ],
      blocked,
    );
    expect([plan.messages, plan.receipts, plan.typing, plan.profiles, plan.sessionRepairs]).toEqual([
      [],
      [],
      [],
      [],
      [],
    ]);
    expect(plan.commitIds).toEqual([text.id, receipt.id, broken.id]);
    expect(plan.dropped.map((d) => d.reason)).toEqual([
      'blocked sender',
      'blocked sender',
      'blocked sender',
      'NO_SESSION',
    ]);
  });

  it('asks the sender of a group message that failed NO_SENDER_KEY for its key, and takes a member’s request for ours', () => {
    const group = {
      groupId: '22222222-2222-4222-8222-222222222222',
      distributionId: '33333333-3333-4333-8333-333333333333',
    };
    const [fromAlice, fromMallory, unknownSender, request] = [envelope(), envelope(), envelope(), envelope()];
    const noKey = (env: Envelope, sender?: AccountId): DecryptOutcome => ({
      ...(failed(env, 'NO_SENDER_KEY') as Extract<DecryptOutcome, { ok: false }>),
      group,
      ...(sender === undefined ? {} : { sender: { accountId: sender, deviceId: 1 } }),
    });
    const plan = planReceive(
      [fromAlice, fromMallory, unknownSender, request],
      [
        noKey(fromAlice, ALICE),
        noKey(fromMallory, MALLORY),
        noKey(unknownSender),
        ok(request, { type: 'sender-key-request', ...group }),
      ],
      { ...context, blockedAccounts: new Set<string>([MALLORY]) },
    );
    expect(plan.senderKeyRequests).toEqual([{ accountId: ALICE, ...group }]);
    expect(plan.senderKeyResends).toEqual([{ accountId: ALICE, ...group }]);
    expect(plan.sessionRepairs).toEqual([]);
    expect(plan.commitIds).toEqual([fromAlice.id, fromMallory.id, unknownSender.id, request.id]);
    expect(plan.messages).toEqual([]);
  });

  it('stores texts in the sender’s conversation, ordered by the sender’s clock', () => {
    const env = envelope();
    const plan = planReceive([env], [ok(env, { type: 'text', id: MESSAGE_ID, sentAt: NOW - 5, body: 'hi' })], context);
    expect(plan.messages).toEqual([
      expect.objectContaining({
        messageId: MESSAGE_ID,
        conversationId: `direct:${ALICE}`,
        sortKey: messageSortKey(NOW - 5, MESSAGE_ID),
        body: 'hi',
        kind: 'text',
      }),
    ]);
    expect(plan.commitIds).toEqual([env.id]);
    expect(plan.releaseIds).toEqual([env.id]);
  });

  it('orders a message from a clock far in the future by the relay’s time', () => {
    const env = envelope();
    const sentAt = NOW + MAX_SENDER_CLOCK_AHEAD_MS + 1;
    const plan = planReceive(
      [env],
      [ok(env, { type: 'text', id: MESSAGE_ID, sentAt, body: 'from the future' })],
      context,
    );
    expect(plan.messages[0]?.sortKey).toBe(messageSortKey(NOW, MESSAGE_ID));
  });

  it('applies receipts, tracks typing (even ephemeral), and commits content-free envelopes', () => {
    const receipt = envelope();
    const typing = envelope({ ephemeral: true });
    const nothing = envelope();
    const plan = planReceive(
      [receipt, typing, nothing],
      [
        ok(receipt, { type: 'receipt', kind: 'read', messageIds: [MESSAGE_ID], sentAt: NOW }),
        ok(typing, { type: 'typing', action: 'started', sentAt: NOW }),
        ok(nothing, null),
      ],
      context,
    );
    expect(plan.receipts).toEqual([{ senderAccountId: ALICE, kind: 'read', messageIds: [MESSAGE_ID] }]);
    expect(plan.typing).toEqual([{ senderAccountId: ALICE, conversationId: `direct:${ALICE}`, action: 'started' }]);
    // Ephemeral envelopes were never stored by the relay: nothing to ack, only to release.
    expect(plan.commitIds).toEqual([receipt.id, nothing.id]);
    expect(plan.releaseIds).toEqual([receipt.id, typing.id, nothing.id]);
  });

  it('acks and drops what will never decrypt, and retries what might', () => {
    const duplicate = envelope();
    const invalid = envelope();
    const internal = envelope();
    const locked = envelope();
    const unknown = envelope();
    const missing = envelope();
    const plan = planReceive(
      [duplicate, invalid, internal, locked, unknown, missing],
      [
        failed(duplicate, 'DUPLICATE_MESSAGE'),
        failed(invalid, 'INVALID_MESSAGE'),
        failed(internal, 'INTERNAL'),
        failed(locked, 'LOCKED'),
        failed(unknown, 'SOMETHING_NEW'),
      ],
      context,
    );
    expect(plan.commitIds).toEqual([duplicate.id, invalid.id]);
    expect(plan.dropped.map((d) => d.reason)).toEqual(['DUPLICATE_MESSAGE', 'INVALID_MESSAGE']);
    expect(plan.retry.map((e) => e.id)).toEqual([internal.id, locked.id, unknown.id, missing.id]);
    expect(plan.releaseIds).toEqual([]);
  });

  it('refuses a contact certified by another relay than theirs, and records where a stranger lives', () => {
    const relayA = 'https://relay-a.example';
    const relayB = 'https://relay-b.example';
    const sealedFrom = (env: Envelope, sender: AccountId, senderRelay: string): DecryptOutcome => {
      const outcome = ok(env, { type: 'text', id: crypto.randomUUID(), sentAt: NOW, body: 'hi' }, sender);
      return outcome.ok ? { ok: true, value: { ...outcome.value, sealed: true, senderRelay } } : outcome;
    };
    const fromOtherRelay = envelope({ type: 'sealed', source: undefined });
    const fromOwnRelay = envelope({ type: 'sealed', source: undefined });
    const fromStranger = envelope({ type: 'sealed', source: undefined });
    const plan = planReceive(
      [fromOtherRelay, fromOwnRelay, fromStranger],
      [
        sealedFrom(fromOtherRelay, ALICE, relayB),
        sealedFrom(fromOwnRelay, ALICE, relayA),
        sealedFrom(fromStranger, MALLORY, relayB),
      ],
      { ...context, contactRelays: new Map([[ALICE, relayA]]) },
    );
    expect(plan.dropped).toEqual([
      { envelopeId: fromOtherRelay.id, reason: "certified by another relay than the contact's" },
    ]);
    // Refused, yet acked and released: it never decrypts to anything else.
    expect(plan.commitIds).toEqual([fromOtherRelay.id, fromOwnRelay.id, fromStranger.id]);
    expect(plan.messages.map((message) => message.envelopeId)).toEqual([fromOwnRelay.id, fromStranger.id]);
    expect(plan.senderRelays).toEqual(
      new Map([
        [ALICE, relayA],
        [MALLORY, relayB],
      ]),
    );
  });

  it('retries a sealed-sender certificate failure until the relay’s trust root is in the vault', () => {
    const env = envelope({ type: 'sealed', source: undefined });
    expect(
      planReceive([env], [failed(env, 'INVALID_CERTIFICATE')], { ...context, sealedSenderReady: false }).retry,
    ).toHaveLength(1);
    expect(planReceive([env], [failed(env, 'INVALID_CERTIFICATE')], context).commitIds).toEqual([env.id]);
  });

  it('acks every forged key at once: a forgery of a contact (unsealed or sealed) for a notice, a forged first contact dropped', () => {
    const fromAlice = envelope();
    const sealed = envelope({ type: 'sealed', source: undefined });
    const fromStranger = envelope({ source: { accountId: MALLORY, deviceId: 1 } });
    const plan = planReceive(
      [fromAlice, sealed, fromStranger],
      [
        failed(fromAlice, 'FORGED_IDENTITY'),
        { ...failed(sealed, 'FORGED_IDENTITY'), impersonated: ALICE } as DecryptOutcome,
        failed(fromStranger, 'FORGED_IDENTITY'),
      ],
      context,
    );
    expect(plan.forgeries).toEqual([ALICE, ALICE]);
    expect(plan.commitIds).toEqual([fromAlice.id, sealed.id, fromStranger.id]);
    expect(plan.retry).toEqual([]);
    // Nothing to ask for a session, nothing released (the vault kept nothing).
    expect(plan.sessionRepairs).toEqual([]);
    expect(plan.releaseIds).toEqual([]);
    expect(plan.dropped.map((d) => d.reason)).toEqual([
      'forged key for a contact (FORGED_IDENTITY)',
      'forged key for a contact (FORGED_IDENTITY)',
      'forged first contact (FORGED_IDENTITY)',
    ]);
  });

  it('keeps content from a newer Parley as a placeholder, and ignores own-account and ephemeral texts', () => {
    const newer = envelope();
    const own = envelope();
    const ephemeralText = envelope({ ephemeral: true });
    const plan = planReceive(
      [newer, own, ephemeralText],
      [
        ok(newer, { type: 'unsupported', version: 2, contentType: 'poll', messageId: MESSAGE_ID, sentAt: NOW }),
        ok(own, { type: 'text', id: MESSAGE_ID, sentAt: NOW, body: 'sync' }, OWN),
        ok(ephemeralText, { type: 'text', id: MESSAGE_ID, sentAt: NOW, body: 'not kept' }),
      ],
      context,
    );
    expect(plan.messages).toEqual([
      expect.objectContaining({ kind: 'unsupported', messageId: MESSAGE_ID, body: null }),
    ]);
    expect(plan.dropped.map((d) => d.reason)).toEqual(['from own account', 'ephemeral text']);
  });
});
