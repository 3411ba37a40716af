import { describe, expect, it } from 'vitest';
import { MUTE_CHOICES, mutedUntilText } from '../../src/renderer/app/chat/mute-labels.js';
import { MUTED_ALWAYS, muteUntil } from '../../src/renderer/engine/index.js';

describe('mute labels', () => {
  it('offers the four durations, each one the engine knows', () => {
    expect(MUTE_CHOICES.map((choice) => choice.duration)).toEqual(['1h', '8h', '1w', 'always']);
    for (const choice of MUTE_CHOICES) expect(muteUntil(choice.duration, 0)).toBeGreaterThan(0);
  });

  it('says until when: a time today, a day and time later, nothing for until unmuted', () => {
    const now = new Date(2027, 0, 4, 10, 0).getTime();
    expect(mutedUntilText(MUTED_ALWAYS, now, 'en-GB')).toBe('Muted');
    expect(mutedUntilText(new Date(2027, 0, 4, 18, 30).getTime(), now, 'en-GB')).toBe('Muted until 18:30');
    expect(mutedUntilText(new Date(2027, 0, 11, 10, 0).getTime(), now, 'en-GB')).toBe('Muted until Mon 11 Jan, 10:00');
  });
});
