import { describe, expect, it } from 'vitest';
import { parsePreferences, resolveTheme } from '../../src/renderer/app/state/preference-values.js';

const defaults = { theme: 'system', notifications: false, notificationPreviews: true, sidebarWidth: 320 } as const;

describe('parsePreferences', () => {
  it('reads what was stored', () => {
    const stored = JSON.stringify({
      theme: 'dark',
      notifications: true,
      notificationPreviews: false,
      sidebarWidth: 376,
    });
    expect(parsePreferences(stored, defaults)).toEqual({
      theme: 'dark',
      notifications: true,
      notificationPreviews: false,
      sidebarWidth: 376,
    });
  });

  it('keeps the remembered sidebar width within 280-420 px, in whole pixels', () => {
    const width = (value: unknown) => parsePreferences(JSON.stringify({ sidebarWidth: value }), defaults).sidebarWidth;
    expect([width(280), width(420), width(300.6)]).toEqual([280, 420, 301]);
    expect([width(100), width(9000)]).toEqual([280, 420]);
    expect([width('wide'), width(null), width(Number.NaN)]).toEqual([320, 320, 320]);
  });

  it('falls back to the defaults for missing, malformed or unknown values', () => {
    expect(parsePreferences(null, defaults)).toEqual(defaults);
    expect(parsePreferences('{not json', defaults)).toEqual(defaults);
    expect(parsePreferences('"dark"', defaults)).toEqual(defaults);
    expect(parsePreferences(JSON.stringify({ theme: 'sepia', notifications: 'yes' }), defaults)).toEqual(defaults);
    expect(parsePreferences(JSON.stringify({ theme: 'light' }), defaults)).toEqual({ ...defaults, theme: 'light' });
  });
});

describe('resolveTheme', () => {
  it('follows the system for "system" and the choice otherwise', () => {
    expect(resolveTheme('system', true)).toBe('dark');
    expect(resolveTheme('system', false)).toBe('light');
    expect(resolveTheme('light', true)).toBe('light');
    expect(resolveTheme('dark', false)).toBe('dark');
  });
});
