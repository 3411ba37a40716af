import type { AccountId } from '@parley/crypto-core/wire';
import { describe, expect, it } from 'vitest';
import {
  connectionBannerText,
  connectionLabel,
  TAKEN_OVER_SENTENCE,
} from '../../src/renderer/app/state/connection-text.js';
import type { ConnectionStatus, ConnectionStatusState, UnreachableRelay } from '../../src/renderer/engine/index.js';

const status = (
  state: ConnectionStatusState,
  queuedMessages = 0,
  unreachableRelays: readonly UnreachableRelay[] = [],
): ConnectionStatus => ({ state, queuedMessages, drained: false, unreachableRelays });

const relayB = (...names: (string | null)[]): UnreachableRelay => ({
  relayUrl: 'https://relay.example.org',
  host: 'relay.example.org',
  since: 1,
  nextProbeAt: 2,
  waitingFor: names.map((displayName, index) => ({ accountId: `id-${index}` as AccountId, displayName })),
});

describe('connectionBannerText', () => {
  it('hides the bar while online, even with messages queued', () => {
    expect(connectionBannerText(status('online', 4))).toBeNull();
  });

  it('says connecting, offline, and how many messages wait', () => {
    expect(connectionBannerText(status('connecting', 2))).toEqual({ state: 'connecting', text: 'Connecting…' });
    expect(connectionBannerText(status('offline'))).toEqual({ state: 'offline', text: 'Offline' });
    expect(connectionBannerText(status('offline', 1))?.text).toBe("Offline — 1 message will send when you're back");
    expect(connectionBannerText(status('offline', 3))?.text).toBe("Offline — 3 messages will send when you're back");
  });

  it("names a contact's relay that cannot be reached, and who waits for it, while home is online", () => {
    expect(connectionBannerText(status('online', 1, [relayB('Bob')]))).toEqual({
      state: 'relay-unreachable',
      text: "Can't reach relay.example.org — messages to Bob will be sent when it's back",
    });
    expect(connectionBannerText(status('online', 2, [relayB('Bob', null)]))?.text).toBe(
      "Can't reach relay.example.org — messages to Bob and a contact will be sent when it's back",
    );
    expect(connectionBannerText(status('online', 4, [relayB('Bob', 'Carol', 'Dan', 'Eve')]))?.text).toBe(
      "Can't reach relay.example.org — messages to Bob, Carol and 2 others will be sent when it's back",
    );
    expect(connectionBannerText(status('online', 0, [relayB()]))?.text).toBe(
      "Can't reach relay.example.org — messages to contacts there will be sent when it's back",
    );
    // Home offline says more: nothing reaches anyone over it.
    expect(connectionBannerText(status('offline', 1, [relayB('Bob')]))?.state).toBe('offline');
  });

  it('labels the status dot', () => {
    expect([connectionLabel(status('online')), connectionLabel(status('offline'))]).toEqual(['Online', 'Offline']);
  });

  it('says, in place of the bar, that the identity was restored elsewhere and what to do, never Online', () => {
    const taken = status('taken-over', 2);
    expect(connectionBannerText(taken)).toEqual({ state: 'taken-over', text: TAKEN_OVER_SENTENCE });
    expect(TAKEN_OVER_SENTENCE).toMatch(
      /^This identity was restored on another computer, .*no longer sends or receives/,
    );
    expect(TAKEN_OVER_SENTENCE).toMatch(/restore a backup\.$/);
    expect(connectionLabel(taken)).not.toMatch(/online/i);
  });

  it('names relays refused for a changed trust root, online or not, but not over a takeover', () => {
    const refused = (state: ConnectionStatusState, relays: string[]) => ({ ...status(state), refusedRelays: relays });
    expect(connectionBannerText(refused('online', ['https://relay-b.example']))).toEqual({
      state: 'trust-root-changed',
      text: 'The relay https://relay-b.example presents a different certificate key than the one Parley pinned, so Parley refuses it: messages it vouches for are not accepted.',
    });
    expect(connectionBannerText(refused('offline', ['https://b.example', 'https://c.example']))?.text).toMatch(
      /^The relays https:\/\/b\.example, https:\/\/c\.example present a different certificate key/,
    );
    expect(connectionBannerText(refused('online', []))).toBeNull();
    expect(connectionBannerText(refused('taken-over', ['https://b.example']))?.state).toBe('taken-over');
  });
});
