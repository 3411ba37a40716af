import { describe, expect, it } from 'vitest';
import { avatarHue, initials } from '../../src/renderer/app/state/avatar.js';
import {
  formatFileSize,
  formatListTime,
  formatUnread,
  groupSafetyNumber,
} from '../../src/renderer/app/state/format.js';
import { passphraseProblem } from '../../src/renderer/app/state/passphrase-rules.js';

describe('groupSafetyNumber', () => {
  it('shows 60 digits as 12 groups of 5', () => {
    const digits = '123456789012345678901234567890123456789012345678901234567890';
    const grouped = groupSafetyNumber(digits);
    expect(grouped.split(' ')).toHaveLength(12);
    expect(grouped.split(' ').every((group) => /^\d{5}$/.test(group))).toBe(true);
    expect(grouped.replaceAll(' ', '')).toBe(digits);
  });
});

describe('formatListTime', () => {
  const now = new Date(2026, 10, 28, 15, 30).getTime();

  it('shows the clock today, "Yesterday", a weekday this week, else a date', () => {
    expect(formatListTime(new Date(2026, 10, 28, 9, 5).getTime(), now, 'en-GB')).toBe('09:05');
    expect(formatListTime(new Date(2026, 10, 27, 23, 59).getTime(), now, 'en-GB')).toBe('Yesterday');
    expect(formatListTime(new Date(2026, 10, 24, 12, 0).getTime(), now, 'en-GB')).toBe('Tue');
    expect(formatListTime(new Date(2026, 9, 2, 12, 0).getTime(), now, 'en-GB')).toBe('2 Oct');
    expect(formatListTime(new Date(2025, 9, 2, 12, 0).getTime(), now, 'en-GB')).toBe('2 Oct 2025');
  });
});

describe('small labels', () => {
  it('caps unread counts at 99+', () => {
    expect([formatUnread(1), formatUnread(99), formatUnread(100)]).toEqual(['1', '99', '99+']);
  });

  it('makes initials from names', () => {
    expect(initials('Alice Martin')).toBe('AM');
    expect(initials('bob')).toBe('BO');
    expect(initials('  Zoë  ')).toBe('ZO');
    expect(initials('!!!')).toBe('?');
  });

  it('derives a stable hue per account', () => {
    expect(avatarHue('account-a')).toBe(avatarHue('account-a'));
    expect(avatarHue('account-a')).not.toBe(avatarHue('account-b'));
    expect(avatarHue('x')).toBeGreaterThanOrEqual(0);
    expect(avatarHue('x')).toBeLessThan(360);
  });

  it('asks for a long enough, confirmed passphrase', () => {
    expect(passphraseProblem('short', 'short')).toMatch(/at least 8/);
    expect(passphraseProblem('long enough words', 'long enough word')).toMatch(/don't match/);
    expect(passphraseProblem('long enough words', 'long enough words')).toBeNull();
  });
});

describe('formatFileSize', () => {
  it('says bytes below a kilobyte, then one decimal below ten units, whole units above', () => {
    expect([0, 1, 999].map(formatFileSize)).toEqual(['0 bytes', '1 byte', '999 bytes']);
    expect([1000, 4_200, 31_400, 999_499].map(formatFileSize)).toEqual(['1.0 KB', '4.2 KB', '31 KB', '999 KB']);
    expect([1_000_000, 2_500_000_000].map(formatFileSize)).toEqual(['1.0 MB', '2.5 GB']);
  });
});
