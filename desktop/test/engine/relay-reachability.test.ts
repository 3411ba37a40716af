/**
 * Contacts' relays, without a relay process: which failures mark one down,
 * its own probe backoff, what the status lists (host, whose texts wait), the
 * relay a profile names, and where OutboxDelivery sends each item (socket for
 * home, one unauthenticated sealed POST after another for another relay, the
 * rest of a relay's window not tried once it is found down).
 */
import { generateIdentity } from '@parley/crypto-core';
import { type AccountId, RelayErrorCode, type SendRequest, type SendResult } from '@parley/crypto-core/wire';
import { afterEach, describe, expect, it } from 'vitest';
import { applyProfiles } from '../../src/renderer/engine/contact-access.js';
import type { EngineDatabase } from '../../src/renderer/engine/database.js';
import { EngineError, EngineErrorCode } from '../../src/renderer/engine/errors.js';
import { OutboxDelivery, type PreparedSend, type SendOutcome } from '../../src/renderer/engine/outbox-delivery.js';
import type { ContactRecord } from '../../src/renderer/engine/records.js';
import type { RelayConnection } from '../../src/renderer/engine/relay-connection.js';
import { RelayDirectory } from '../../src/renderer/engine/relay-directory.js';
import { RelayCallError, RelayFailure } from '../../src/renderer/engine/relay-errors.js';
import type { FetchFunction } from '../../src/renderer/engine/relay-http.js';
import { RelayHttpClient } from '../../src/renderer/engine/relay-http.js';
import { RelayReachability, relayUnreachable } from '../../src/renderer/engine/relay-reachability.js';
import { newDirectItem } from '../../src/renderer/engine/session-repair.js';
import { memoryDatabase } from '../support/memory-database.js';

const HOME = 'https://home.example.org';
const B = 'https://relay-b.example.org';
const C = 'https://relay-c.example.org';
const NO_JITTER = { initialMs: 1000, maxMs: 8000, multiplier: 2, jitter: 0 };

const open: EngineDatabase[] = [];
afterEach(() => {
  for (const db of open.splice(0)) db.close();
});

async function database(): Promise<EngineDatabase> {
  const db = await memoryDatabase({ name: `reach-${Math.random()}` });
  open.push(db);
  return db;
}

function contact(relayUrl: string, displayName: string | null): ContactRecord {
  return {
    accountId: generateIdentity().accountId,
    displayName,
    relayUrl,
    verified: false,
    origin: 'contact-code',
    addedAt: 1,
    accessKey: 'AAAAAAAAAAAAAAAAAAAAAA==',
    accessDeniedAt: null,
  };
}

describe('relayUnreachable', () => {
  it('is no answer, a timeout or a 5xx, never a refusal', () => {
    expect(relayUnreachable(new RelayCallError(RelayFailure.Network, 'down'))).toBe(true);
    expect(relayUnreachable(new RelayCallError(RelayFailure.Timeout, 'slow'))).toBe(true);
    expect(relayUnreachable(new RelayCallError(RelayErrorCode.Unavailable, 'stopping', null, 503))).toBe(true);
    expect(relayUnreachable(new RelayCallError(RelayFailure.BadResponse, 'proxy page', null, 502))).toBe(true);
    expect(relayUnreachable(new RelayCallError(RelayErrorCode.AccessDenied, 'no', null, 401))).toBe(false);
    expect(relayUnreachable(new RelayCallError(RelayErrorCode.RateLimited, 'slow down', null, 429))).toBe(false);
    expect(relayUnreachable(new EngineError(EngineErrorCode.AccessDenied, 'no key'))).toBe(false);
  });
});

describe('RelayReachability', () => {
  it('backs off per relay, lists the down ones with whose texts wait, and forgets one that answers or nobody waits for', async () => {
    const db = await database();
    let now = 10_000;
    const reach = new RelayReachability(db, { now: () => now }, NO_JITTER);
    const bob = contact(`${B}/`, 'Bob');
    const carol = contact(C, 'Carol');
    const dan = contact(B, null);
    await db.contacts.bulkAdd([bob, carol, dan]);
    await db.outbox.add({ kind: 'text', messageId: 'm1', ...newDirectItem(bob.accountId, now) });
    await db.outbox.add({ kind: 'text', messageId: 'm2', ...newDirectItem(carol.accountId, now) });

    expect(reach.probeAt(B)).toBeNull();
    expect(reach.markDown(B)).toBe(11_000);
    now = 11_000;
    expect(reach.markDown(`${B}/`)).toBe(13_000);
    expect(reach.probeAt(B)).toBe(13_000);
    expect(reach.probeAt(C)).toBeNull();
    await reach.idle();
    expect(reach.unreachable.value).toEqual([
      {
        relayUrl: B,
        host: 'relay-b.example.org',
        since: 10_000,
        nextProbeAt: 13_000,
        waitingFor: [{ accountId: bob.accountId, displayName: 'Bob' }],
      },
    ]);

    // Relay C is forgotten as soon as nothing waits for it.
    reach.markDown(C);
    await reach.idle();
    expect(reach.unreachable.value.map((r) => r.relayUrl)).toEqual([B, C]);
    await db.outbox.where('recipient').equals(carol.accountId).delete();
    reach.refresh();
    await reach.idle();
    expect(reach.probeAt(C)).toBeNull();
    expect(reach.unreachable.value.map((r) => r.relayUrl)).toEqual([B]);

    reach.markUp(B);
    await reach.idle();
    expect(reach.probeAt(B)).toBeNull();
    expect(reach.unreachable.value).toEqual([]);
    // A new outage starts its backoff over.
    expect(reach.markDown(B)).toBe(12_000);
  });
});

describe('applyProfiles', () => {
  const NO_NAME = { name: null, avatar: null };

  it('takes the relay a profile names as where the sender receives', async () => {
    const db = await database();
    const stranger = { ...contact(HOME, null), origin: 'incoming' as const };
    await db.contacts.add(stranger);
    await applyProfiles(
      db,
      [{ senderAccountId: stranger.accountId, accessKey: 'BBBBBBBBBBBBBBBBBBBBBB==', relayUrl: `${C}/`, ...NO_NAME }],
      1,
    );
    const stored = await db.contacts.get(stranger.accountId);
    expect(stored?.relayUrl).toBe(C);
    expect(stored?.accessKey).toBe('BBBBBBBBBBBBBBBBBBBBBB==');
    // A profile naming none, or something that is no relay URL, leaves the relay as it was.
    await applyProfiles(
      db,
      [{ senderAccountId: stranger.accountId, accessKey: 'CCCCCCCCCCCCCCCCCCCCCC==', ...NO_NAME }],
      2,
    );
    await applyProfiles(
      db,
      [
        {
          senderAccountId: stranger.accountId,
          accessKey: 'CCCCCCCCCCCCCCCCCCCCCC==',
          relayUrl: 'ftp://relay',
          ...NO_NAME,
        },
      ],
      3,
    );
    expect((await db.contacts.get(stranger.accountId))?.relayUrl).toBe(C);
  });
});

describe('OutboxDelivery', () => {
  function sealedRequest(recipient: AccountId, accessKey?: string): SendRequest {
    return {
      recipient,
      messages: [{ deviceId: 1, type: 'sealed', content: 'AAAA' }],
      ephemeral: false,
      ...(accessKey === undefined ? {} : { accessKey }),
    };
  }

  function prepared(relayUrl: string, request: SendRequest): PreparedSend {
    return { item: { kind: 'profile', ...newDirectItem(request.recipient as AccountId, 1) }, request, relayUrl };
  }

  it('sends home items over the socket and each other relay over HTTP in order, without a token, stopping at a down relay', async () => {
    const db = await database();
    const seen: { url: string; authorization: string | undefined; body: Record<string, unknown> }[] = [];
    const fetch: FetchFunction = async (url, init) => {
      const headers = (init?.headers ?? {}) as Record<string, string>;
      seen.push({ url, authorization: headers.authorization, body: JSON.parse(String(init?.body)) });
      if (url.startsWith(C)) throw new TypeError('connect ECONNREFUSED');
      return new Response(
        JSON.stringify({ ok: true, envelopeIds: [crypto.randomUUID()], serverTimestamp: 1000 + seen.length }),
        {
          status: 200,
        },
      );
    };
    const socketSends: SendRequest[] = [];
    const connection = {
      online: true,
      send: async (request: SendRequest): Promise<SendResult> => {
        socketSends.push(request);
        return { ok: true, envelopeIds: ['h1'], serverTimestamp: 99 };
      },
    } as unknown as RelayConnection;
    const reach = new RelayReachability(db, { now: () => 5000 }, NO_JITTER);
    const delivery = new OutboxDelivery(connection, new RelayDirectory(new RelayHttpClient(HOME, fetch), fetch), reach);
    const [bob, carol, home] = [
      generateIdentity().accountId,
      generateIdentity().accountId,
      generateIdentity().accountId,
    ];
    const key = 'AAAAAAAAAAAAAAAAAAAAAA==';
    const window = [
      prepared(B, sealedRequest(bob, key)),
      prepared(C, sealedRequest(carol, key)),
      prepared(HOME, sealedRequest(home)),
      prepared(B, { ...sealedRequest(bob, key), ephemeral: true }),
      prepared(C, sealedRequest(carol, key)),
      prepared(B, sealedRequest(bob)),
    ];
    const outcomes: SendOutcome[] = [];
    const groups: string[][] = [];
    await delivery.deliver(window, async (group) => {
      groups.push(group.map(({ entry }) => entry.relayUrl));
      for (const { entry, outcome } of group) outcomes[window.indexOf(entry)] = outcome;
    });
    // One settle per relay, each in its queue order.
    expect(groups.map((g) => g.join()).sort()).toEqual([`${B},${B},${B}`, `${C},${C}`, HOME].sort());
    expect(outcomes.map((o) => o.kind)).toEqual(['sent', 'relay-down', 'sent', 'sent', 'relay-down', 'failed']);
    expect(outcomes[5]).toMatchObject({ kind: 'failed', error: { code: EngineErrorCode.AccessDenied } });
    expect(outcomes[4]).toEqual({ ...outcomes[1] });
    // Relay C was tried once; B got its two keyed sends in order, with no token; home went over the socket.
    expect(seen.filter((s) => s.url.startsWith(C))).toHaveLength(1);
    const toB = seen.filter((s) => s.url.startsWith(B));
    expect(toB.map((s) => [s.url, s.authorization, s.body.accessKey, s.body.ephemeral])).toEqual([
      [`${B}/v1/messages`, undefined, key, false],
      [`${B}/v1/messages`, undefined, key, true],
    ]);
    expect(socketSends.map((r) => r.recipient)).toEqual([home]);
    expect(reach.probeAt(C)).toBe(6000);
    expect(reach.probeAt(B)).toBeNull();
    expect(delivery.availableAt(C, 0, Number.MAX_SAFE_INTEGER)).toBe(6000);
    expect(delivery.availableAt(B, 0, Number.MAX_SAFE_INTEGER)).toBe(0);
    expect(delivery.reachableNow(C)).toBe(false);
  });
});
