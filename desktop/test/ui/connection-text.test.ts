import { describe, expect, it } from 'vitest';
import { connectionBannerText, connectionLabel } from '../../src/renderer/app/state/connection-text.js';

const status = (state: 'online' | 'connecting' | 'offline', queuedMessages = 0) => ({
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
});
