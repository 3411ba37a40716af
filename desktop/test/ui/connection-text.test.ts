import { describe, expect, it } from 'vitest';
import {
  connectionBannerText,
  connectionLabel,
  TAKEN_OVER_SENTENCE,
} from '../../src/renderer/app/state/connection-text.js';
import type { ConnectionStatusState } from '../../src/renderer/engine/index.js';

const status = (state: ConnectionStatusState, queuedMessages = 0) => ({
  state,
  queuedMessages,
  drained: false,
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
