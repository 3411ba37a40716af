/**
 * The note onboarding leaves in sessionStorage before Electron reloads the
 * page for a new relay: read once, canonical, and ignored when damaged.
 */
import { describe, expect, it } from 'vitest';
import {
  ONBOARDING_RESUME_KEY,
  saveOnboardingResume,
  takeOnboardingResume,
} from '../../src/renderer/app/state/onboarding-resume.js';

function memoryStorage(): Pick<Storage, 'getItem' | 'setItem' | 'removeItem'> & { entries: Map<string, string> } {
  const entries = new Map<string, string>();
  return {
    entries,
    getItem: (key) => entries.get(key) ?? null,
    setItem: (key, value) => void entries.set(key, value),
    removeItem: (key) => void entries.delete(key),
  };
}

describe('onboarding resume note', () => {
  it('round-trips the step and relay URL, once', () => {
    const storage = memoryStorage();
    saveOnboardingResume(storage, { step: 'relay', relayUrl: 'https://relay.example.org' });
    expect(takeOnboardingResume(storage)).toEqual({ step: 'relay', relayUrl: 'https://relay.example.org' });
    expect(storage.entries.size).toBe(0);
    expect(takeOnboardingResume(storage)).toBeNull();
  });

  it('holds only the step and the relay, never anything else', () => {
    const storage = memoryStorage();
    saveOnboardingResume(storage, { step: 'relay', relayUrl: 'http://127.0.0.1:7447' });
    expect(JSON.parse(storage.entries.get(ONBOARDING_RESUME_KEY) ?? '')).toEqual({
      version: 1,
      step: 'relay',
      relayUrl: 'http://127.0.0.1:7447',
    });
  });

  it('ignores and removes damaged or foreign notes', () => {
    for (const text of [
      'not json',
      'null',
      '{"version":2,"step":"relay","relayUrl":"https://a.example"}',
      '{"version":1,"step":"welcome","relayUrl":"https://a.example"}',
      '{"version":1,"step":"relay","relayUrl":"ftp://a"}',
      '{"version":1,"step":"relay"}',
    ]) {
      const storage = memoryStorage();
      storage.setItem(ONBOARDING_RESUME_KEY, text);
      expect(takeOnboardingResume(storage)).toBeNull();
      expect(storage.entries.size).toBe(0);
    }
  });

  it('canonicalises the relay URL it hands back', () => {
    const storage = memoryStorage();
    storage.setItem(ONBOARDING_RESUME_KEY, '{"version":1,"step":"relay","relayUrl":"HTTPS://Relay.Example.org/"}');
    expect(takeOnboardingResume(storage)).toEqual({ step: 'relay', relayUrl: 'https://relay.example.org' });
  });
});
