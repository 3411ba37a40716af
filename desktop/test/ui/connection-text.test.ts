import type { AccountId } from '@parley/crypto-core/wire';
import { describe, expect, it } from 'vitest';
import {
  BACK_END_STOPPED_SENTENCE,
  connectionBannerText,
  connectionLabel,
  isRelayOnThisComputer,
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

  it('says that a relay on this computer stopped, not only "Offline", and how many messages wait for it', () => {
    const local = 'http://127.0.0.1:7447';
    expect(connectionBannerText(status('offline'), local)).toEqual({
      state: 'offline',
      text: 'The relay at 127.0.0.1:7447 stopped',
    });
    expect(connectionBannerText(status('offline', 2), local)?.text).toBe(
      "The relay at 127.0.0.1:7447 stopped — 2 messages will send when it's back",
    );
    // A relay elsewhere may be fine and the network the problem: only "Offline" is known.
    expect(connectionBannerText(status('offline', 2), 'https://relay.example.org')?.text).toBe(
      "Offline — 2 messages will send when you're back",
    );
    expect(connectionBannerText(status('connecting'), local)?.text).toBe('Connecting…');
    expect(connectionBannerText(status('online'), local)).toBeNull();
  });

  it('knows a relay on this computer by its canonical loopback host', () => {
    expect(isRelayOnThisComputer('http://127.0.0.1:7447')).toBe(true);
    expect(isRelayOnThisComputer('http://127.1.2.3:80/relay')).toBe(true);
    expect(isRelayOnThisComputer('http://192.168.1.20:7447')).toBe(false);
    expect(isRelayOnThisComputer('https://127.0.0.1.example.org')).toBe(false);
    expect(isRelayOnThisComputer('not a url')).toBe(false);
  });

  it('labels the status dot, and never says Online while the back end is stopped', () => {
    expect([connectionLabel(status('online')), connectionLabel(status('offline'))]).toEqual(['Online', 'Offline']);
    expect(connectionLabel(status('online'), true)).toBe('Back end stopped');
    expect(BACK_END_STOPPED_SENTENCE).toMatch(/^Parley's back end stopped, so nothing is sent or received\. /);
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
