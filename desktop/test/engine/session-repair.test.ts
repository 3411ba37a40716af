/**
 * Session repair decisions: which failures make a repair candidate, who is
 * repaired (known contacts, rate-limited), and what a session-reset makes us
 * send again.
 */
import type { AccountId, Envelope } from '@parley/crypto-core/wire';
import { describe, expect, it } from 'vitest';
import type { ApiError } from '../../src/common/result.js';
import type { DecryptOutcome } from '../../src/common/vault-api.js';
import { messageSortKey } from '../../src/renderer/engine/conversation-ids.js';
import { planReceive } from '../../src/renderer/engine/receive-plan.js';
import type { MessageRecord, MessageState } from '../../src/renderer/engine/records.js';
import {
  chooseRepairs,
  messagesToResend,
  REPAIR_INTERVAL_MS,
  RESEND_WINDOW_MS,
} from '../../src/renderer/engine/session-repair.js';
import { envelope } from '../support/receive-harness.js';

const ALICE = 'a'.repeat(32) as AccountId;
const BOB = 'b'.repeat(32) as AccountId;
const STRANGER = 's'.repeat(32) as AccountId;
const OWN = 'z'.repeat(32) as AccountId;
const NOW = 1_800_000_000_000;
const DAY = 24 * 60 * 60_000;

function failedFrom(env: Envelope, code: string, sender?: AccountId): DecryptOutcome {
  const error = { code, message: code } as ApiError;
  return sender === undefined
    ? { ok: false, envelopeId: env.id, error }
    : { ok: false, envelopeId: env.id, error, sender: { accountId: sender, deviceId: 1 } };
}

const context = { knownAccounts: new Set<string>(), ownAccountId: OWN, sealedSenderReady: true };

describe('planReceive: session failures', () => {
  it('acks and drops NO_SESSION, INVALID_MESSAGE and INVALID_KEY_ID, naming the sender the vault learned', () => {
    const envelopes = [envelope(), envelope(), envelope(), envelope()];
    const [a, b, c, d] = envelopes as [Envelope, Envelope, Envelope, Envelope];
    const plan = planReceive(
      envelopes,
      [
        failedFrom(a, 'NO_SESSION', ALICE),
        failedFrom(b, 'INVALID_MESSAGE', BOB),
        failedFrom(c, 'INVALID_KEY_ID', ALICE),
        failedFrom(d, 'NO_SESSION'),
      ],
      context,
    );
    expect(plan.commitIds).toEqual(envelopes.map((env) => env.id));
    expect(plan.sessionRepairs).toEqual([ALICE, BOB, ALICE]);
    expect(plan.releaseIds).toEqual([]);
  });

  it('does not repair for failures a fresh session cannot fix, nor for our own account', () => {
    const envelopes = [envelope(), envelope(), envelope()];
    const [a, b, c] = envelopes as [Envelope, Envelope, Envelope];
    const plan = planReceive(
      envelopes,
      [
        failedFrom(a, 'DUPLICATE_MESSAGE', ALICE),
        failedFrom(b, 'INVALID_CONTENT', ALICE),
        failedFrom(c, 'NO_SESSION', OWN),
      ],
      context,
    );
    expect(plan.sessionRepairs).toEqual([]);
    expect(plan.commitIds).toHaveLength(3);
  });

  it('turns a session-reset into a re-send request and stores nothing', () => {
    const env = envelope();
    const plan = planReceive(
      [env],
      [
        {
          ok: true,
          value: {
            envelopeId: env.id,
            sender: { accountId: ALICE, deviceId: 1 },
            sealed: true,
            content: { type: 'session-reset', id: '11111111-1111-4111-8111-111111111111', sentAt: NOW },
          },
        },
      ],
      context,
    );
    expect(plan.sessionResets).toEqual([ALICE]);
    expect(plan.messages).toEqual([]);
    expect(plan.commitIds).toEqual([env.id]);
    expect(plan.releaseIds).toEqual([env.id]);
  });
});

describe('chooseRepairs', () => {
  const known = new Set<string>([ALICE, BOB]);

  it('repairs known contacts once each, never strangers', () => {
    expect(chooseRepairs([ALICE, STRANGER, ALICE, BOB], known, new Map(), NOW)).toEqual([ALICE, BOB]);
  });

  it('repairs a contact at most once per interval', () => {
    const last = new Map<AccountId, number>([
      [ALICE, NOW - REPAIR_INTERVAL_MS + 1],
      [BOB, NOW - REPAIR_INTERVAL_MS],
    ]);
    expect(chooseRepairs([ALICE, BOB], known, last, NOW)).toEqual([BOB]);
    expect(chooseRepairs([ALICE], known, last, NOW + 1)).toEqual([ALICE]);
  });
});

describe('messagesToResend', () => {
  function message(
    id: number,
    state: MessageState,
    sentAt: number,
    overrides: Partial<MessageRecord> = {},
  ): MessageRecord {
    const messageId = `11111111-1111-4111-8111-${String(id).padStart(12, '0')}`;
    return {
      id: messageId,
      conversationId: `direct:${ALICE}`,
      kind: 'text',
      direction: 'outgoing',
      senderAccountId: OWN,
      sentAt,
      receivedAt: null,
      sortKey: messageSortKey(sentAt, messageId),
      position: String(id),
      state,
      envelopeId: null,
      serverTimestamp: null,
      body: null,
      ...overrides,
    };
  }

  it('re-sends own undelivered texts from the last 30 days, oldest first', () => {
    const chosen = messagesToResend(
      [
        message(3, 'sent', NOW - 1000),
        message(1, 'sent', NOW - 3 * DAY),
        message(2, 'delivered', NOW - 2 * DAY),
        message(4, 'read', NOW - 500),
        message(5, 'sending', NOW - 400),
        message(6, 'failed', NOW - 300),
        message(7, 'sent', NOW - RESEND_WINDOW_MS - 1),
        message(8, 'sent', NOW - RESEND_WINDOW_MS),
        message(9, 'delivered', NOW - 100, { direction: 'incoming', senderAccountId: ALICE }),
        message(10, 'sent', NOW - 50, { kind: 'identity-changed' }),
      ],
      NOW,
    );
    expect(chosen.map((m) => Number(m.id.slice(-12)))).toEqual([8, 1, 3]);
  });
});
